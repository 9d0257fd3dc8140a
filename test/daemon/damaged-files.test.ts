import { copyFileSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DaemonConfigSchema } from '../../src/daemon/config.js'
import { buildApp } from '../../src/daemon/app.js'
import { runCli } from '../helpers/cli.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { testTempDir } from '../helpers/tmp.js'

// Issue #14, item 6: damaged and vanished files. A damaged full-text index is derived data: it
// is moved aside and rebuilt, and the daemon starts. A damaged database stops the start with
// one line naming the file and what to do. A database file deleted (or replaced) while the
// daemon runs is noticed before the next 202: writes get 503, health says why.

const dirs: string[] = []
const daemons: TestDaemon[] = []
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A data dir of its own (it outlives each daemon), with 50 searchable logs in it. */
async function dataDirWithLogs(): Promise<{ dataDir: string; key: string }> {
  const dataDir = freshDataDir('ledger-damaged-')
  const d = await startTestDaemon({ dataDir })
  const { keyClient, key } = await accountWithKey(d.client, 'damaged')
  await keyClient.ingestBatch(Array.from({ length: 50 }, (_, i) => log({ message: `needle ${i}` })))
  await waitFor(async () => (await keyClient.logs({ q: 'needle', limit: 100 })).logs.length === 50, 10_000, 'indexing')
  await d.close()
  return { dataDir, key: key.full_key }
}

/** A data dir in a temp dir of its own, removed after the test. */
function freshDataDir(prefix: string): string {
  const dir = testTempDir(prefix)
  dirs.push(dir)
  return join(dir, 'data')
}

async function start(dataDir: string): Promise<TestDaemon> {
  const d = await startTestDaemon({ dataDir }, { captureLog: true })
  daemons.push(d)
  return d
}

describe('a damaged full-text index', () => {
  it.each([
    ['garbage over the whole file', (f: string) => writeFileSync(f, Buffer.alloc(8192, 0x5a))],
    ['cut after its first page', (f: string) => truncateSync(f, 4096)],
  ])('(%s) is moved aside, rebuilt from the logs in the background, with one warning', async (_what, damage) => {
    const { dataDir, key } = await dataDirWithLogs()
    damage(join(dataDir, 'fulltext.db'))
    const d = await start(dataDir)
    const aside = readdirSync(dataDir).filter((f) => /^fulltext\.db\.corrupt-[0-9T-]+Z$/.test(f))
    expect(aside).toHaveLength(1)
    const warnings = d.logLines().filter((l) => l.includes('is damaged'))
    expect(warnings).toHaveLength(1)
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, moved_to: join(dataDir, aside[0]!) })
    const keyClient = d.client.withCredential(key)
    await waitFor(async () => (await keyClient.logs({ q: 'needle', limit: 100 })).logs.length === 50, 10_000, 'the rebuild')
    // And new logs are searchable as usual.
    await keyClient.ingestSingle(log({ message: 'needle fresh' }))
    await waitFor(async () => (await keyClient.logs({ q: 'fresh' })).logs.length === 1, 10_000, 'a new log to be indexed')
  })
})

describe('a damaged database', () => {
  it('stops the start with one line naming the file and what to do', async () => {
    const { dataDir } = await dataDirWithLogs()
    const file = join(dataDir, 'ledger.db')
    writeFileSync(file, Buffer.concat([Buffer.from('not a database '), Buffer.alloc(8192, 0x41)]))
    rmSync(`${file}-wal`, { force: true })
    const config = DaemonConfigSchema.parse({ dataDir, port: 0, scryptLogN: 12, logLevel: 'silent' })
    await expect(buildApp({ config, logger: false })).rejects.toThrow(
      `the database ${file} is damaged (file is not a database): restore it from a backup, or move it aside`,
    )
    // The same through the CLI: one line, and exit 1.
    const r = await runCli({ home: join(dataDir, '..'), env: { LEDGER_SCRYPT_LOG_N: '12' } }, 'daemon', 'run', '--port', '0')
    expect(r.code).toBe(1)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toBe(
      `Error: the database ${file} is damaged (file is not a database): restore it from a backup, or move it aside to ` +
        'start with an empty one (it holds the accounts, projects, keys and logs)',
    )
  })
})

describe('the database file removed while the daemon runs', () => {
  it('deleted: the very next write gets 503, reads go on, /health and deep health say why', async () => {
    const d = await start(freshDataDir('ledger-gone-'))
    const { keyClient } = await accountWithKey(d.client, 'gone')
    expect((await keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ message: 'kept' }) })).status).toBe(202)
    rmSync(join(d.dataDir, 'ledger.db'))
    const r = await keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ message: 'would vanish' }) })
    expect(r.status).toBe(503)
    expect(r.body).toEqual({ detail: expect.stringMatching(/database file .*ledger\.db was deleted.*restarted/) })
    expect(r.headers['retry-after']).toBe('60')
    expect((await keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs: [log()] } })).status).toBe(503)
    // Reads still answer from the open file.
    expect((await keyClient.raw('GET', '/api/v1/logs')).status).toBe(200)
    expect(await d.client.raw('GET', '/health')).toMatchObject({ status: 503, body: { status: 'unhealthy', detail: expect.stringContaining('deleted') } })
    const deep = await d.client.deepHealth()
    expect(deep.status).toBe('unhealthy')
    expect(deep.services['storage']).toMatchObject({ status: 'unhealthy', database_file: 'gone' })
    expect(d.logLines().filter((l) => l.includes('refusing writes'))).toHaveLength(1)
  })

  it('replaced by another file: noticed within a second, writes get 503', async () => {
    const d = await start(freshDataDir('ledger-replaced-'))
    const { keyClient } = await accountWithKey(d.client, 'replaced')
    const file = join(d.dataDir, 'ledger.db')
    copyFileSync(file, `${file}.copy`)
    renameSync(`${file}.copy`, file)
    const t0 = Date.now()
    await waitFor(
      async () => (await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })).status === 503,
      2000,
      'the replacement to be noticed',
    )
    expect(Date.now() - t0).toBeLessThan(1500)
    expect(JSON.stringify((await d.client.deepHealth()).services['storage'])).toContain('replaced by another file')
    expect(readFileSync(file).length).toBeGreaterThan(0)
  })
})
