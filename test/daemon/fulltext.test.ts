import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { LedgerClient } from '../../src/client/index.js'
import { dataFiles } from '../../src/shared/paths.js'
import {
  accountWithKey,
  log,
  PASSWORD,
  type SpawnedDaemon,
  spawnDaemon,
  startTestDaemon,
  type TestDaemon,
  tempHome,
  uniqueEmail,
  waitFor,
} from '../helpers/daemon.js'

// The full-text index lives in a file of its own (data/fulltext.db), derived from the stored
// logs: a missing one, or one left from another database, is rebuilt, and search comes back.

const env = { LEDGER_SCRYPT_LOG_N: '12' }

function removeIndex(home: string): void {
  const file = dataFiles(join(home, 'data')).fulltext
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true })
}

async function setUp(home: string, word: string, n: number) {
  const daemon = await spawnDaemon({ home, env })
  const anon = new LedgerClient({ baseUrl: daemon.url })
  const reg = await anon.register({ email: uniqueEmail('fts'), password: PASSWORD, name: 'Fts' })
  const account = anon.withCredential(reg.access_token)
  const project = await account.createProject({ name: 'Fts', slug: 'fts' })
  const key = (await account.createApiKey(project.project_id, { name: 'k' })).full_key
  const keyClient = anon.withCredential(key)
  await keyClient.ingestBatch(Array.from({ length: n }, (_, i) => log({ message: `${word} number ${i}` })))
  await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0)
  return { daemon, key, anon }
}

describe('the full-text index file', () => {
  const homes = [tempHome(), tempHome()]
  const daemons: SpawnedDaemon[] = []
  afterAll(async () => {
    for (const d of daemons) await d.stop('SIGKILL')
    for (const h of homes) rmSync(h, { recursive: true, force: true })
  })

  it('is rebuilt from the stored logs when it is missing, or was built from another database', async () => {
    const [home, other] = homes as [string, string]
    const first = await setUp(home, 'alpha', 40)
    daemons.push(first.daemon)
    const search = async (url: string, q: string) =>
      (await new LedgerClient({ baseUrl: url }).withCredential(first.key).logs({ q, limit: 100 })).logs.length
    expect(await search(first.daemon.url, 'alpha')).toBe(40)
    expect(await first.daemon.stop('SIGTERM')).toBe(0)
    await first.anon.close()

    // Missing: started again, the daemon indexes every stored log anew. Those logs were
    // processed long ago: they are not counted as waiting in the queue meanwhile.
    removeIndex(home)
    let d = await spawnDaemon({ home, env })
    daemons.push(d)
    const keyClient = new LedgerClient({ baseUrl: d.url }).withCredential(first.key)
    expect((await keyClient.queueDepth()).queue_depth).toBe(0)
    await waitFor(async () => (await search(d.url, 'alpha')) === 40, 10_000, 'the rebuilt index')
    expect(existsSync(dataFiles(join(home, 'data')).fulltext)).toBe(true)
    expect(await d.stop('SIGTERM')).toBe(0)

    // Another database's index (its ids mean other logs): not used, rebuilt.
    const second = await setUp(other, 'omega', 40)
    daemons.push(second.daemon)
    expect(await second.daemon.stop('SIGTERM')).toBe(0)
    await second.anon.close()
    removeIndex(home)
    copyFileSync(dataFiles(join(other, 'data')).fulltext, dataFiles(join(home, 'data')).fulltext)
    d = await spawnDaemon({ home, env })
    daemons.push(d)
    await waitFor(async () => (await search(d.url, 'alpha')) === 40, 10_000, 'the rebuilt index')
    expect(await search(d.url, 'omega')).toBe(0)

    // And new logs are searchable as before.
    const fresh = new LedgerClient({ baseUrl: d.url }).withCredential(first.key)
    await fresh.ingestSingle(log({ message: 'alpha again' }))
    await waitFor(async () => (await fresh.queueDepth()).queue_depth === 0)
    expect(await search(d.url, 'alpha')).toBe(41)
    expect(await d.stop('SIGTERM')).toBe(0)
    await fresh.close()
    await keyClient.close()
  })
})

describe('an index of an older format', () => {
  const home = tempHome()
  let d: SpawnedDaemon | undefined
  afterAll(async () => {
    await d?.stop('SIGKILL')
    rmSync(home, { recursive: true, force: true })
  })

  it('(before attribute values were indexed) is rebuilt at start, and attribute values become searchable', async () => {
    const first = await setUp(home, 'legacy', 10)
    const keyClient = first.anon.withCredential(first.key)
    await keyClient.ingestSingle(log({ message: 'with attributes', attributes: { service: 'billing-api' } }))
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0)
    expect(await first.daemon.stop('SIGTERM')).toBe(0)
    await first.anon.close()
    // What the previous format looked like: four text columns, format 0, every log indexed.
    const file = dataFiles(join(home, 'data')).fulltext
    const old = new BetterSqlite3(file)
    old.exec(`DROP TABLE logs_fts;
      CREATE VIRTUAL TABLE logs_fts USING fts5(message, error_type, error_message, stack_trace,
        content = '', contentless_delete = 1, tokenize = 'unicode61');`)
    old.pragma('user_version = 0')
    old.close()

    d = await spawnDaemon({ home, env })
    const again = new LedgerClient({ baseUrl: d.url }).withCredential(first.key)
    await waitFor(async () => (await again.logs({ q: 'billing-api' })).logs.length === 1, 10_000, 'the rebuilt index')
    expect((await again.logs({ q: 'legacy', limit: 100 })).logs).toHaveLength(10)
    expect((await again.queueDepth()).queue_depth).toBe(0)
    await again.close()
  })
})

describe('an index file with a write-ahead log (made before the index took a rollback journal)', () => {
  const home = tempHome()
  let d: SpawnedDaemon | undefined
  afterAll(async () => {
    await d?.stop('SIGKILL')
    rmSync(home, { recursive: true, force: true })
  })
  // Byte 18 of a SQLite file's header: 1 for a rollback journal, 2 for a WAL.
  const journalKind = (file: string) => readFileSync(file)[18]

  it('is kept, turned into a file with a rollback journal at start, and indexes and searches as before', async () => {
    const first = await setUp(home, 'journaled', 20)
    expect(await first.daemon.stop('SIGTERM')).toBe(0)
    await first.anon.close()
    const file = dataFiles(join(home, 'data')).fulltext
    const old = new BetterSqlite3(file)
    old.pragma('journal_mode = WAL')
    old.close()
    expect(journalKind(file)).toBe(2)

    d = await spawnDaemon({ home, env })
    const again = new LedgerClient({ baseUrl: d.url }).withCredential(first.key)
    // Kept: nothing to index again.
    expect((await again.queueDepth()).queue_depth).toBe(0)
    expect((await again.logs({ q: 'journaled', limit: 100 })).logs).toHaveLength(20)
    expect(journalKind(file)).toBe(1)
    await again.ingestBatch(Array.from({ length: 5 }, (_, i) => log({ message: `journaled later ${i}` })))
    await waitFor(async () => (await again.queueDepth()).queue_depth === 0)
    expect((await again.logs({ q: 'later', limit: 100 })).logs).toHaveLength(5)
    expect(existsSync(`${file}-wal`)).toBe(false)
    expect(journalKind(file)).toBe(1)
    await again.close()
  })
})

describe('the full-text index file, while the daemon runs', () => {
  let d: TestDaemon
  afterAll(async () => {
    await d?.close()
  })

  it("is not attached to the daemon's own connection: its writes never lock the index, nor wait on its commits", async () => {
    d = await startTestDaemon()
    const names = (d.sqlite.db.pragma('database_list') as Array<{ name: string }>).map((r) => r.name)
    expect(names).toEqual(['main'])
    // And searches, which read it on a thread of their own, find what was indexed.
    const { keyClient } = await accountWithKey(d.client, 'fts-thread')
    await keyClient.ingestBatch([log({ message: 'threaded search works' })])
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0)
    expect((await keyClient.logs({ q: 'threaded' })).logs).toHaveLength(1)
  })

  it('is read by a thread that, when it dies, is replaced: searches carry on', async () => {
    const { keyClient } = await accountWithKey(d.client, 'fts-reader-dies')
    await keyClient.ingestBatch([log({ message: 'phoenix rises' })])
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0)
    expect((await keyClient.logs({ q: 'phoenix' })).logs).toHaveLength(1)
    const reader = (d.sqlite as unknown as { fulltextReader: { pool: { slots: Array<{ worker: { terminate(): Promise<number> } }> } } })
      .fulltextReader
    const dead = reader.pool.slots[0]!.worker
    await dead.terminate()
    await waitFor(() => reader.pool.slots[0]!.worker !== dead, 5000, 'a new reading thread')
    expect((await keyClient.logs({ q: 'phoenix' })).logs).toHaveLength(1)
  })
})

describe('the full-text indexing thread', () => {
  let d: TestDaemon
  afterAll(async () => {
    await d.close()
  })

  it('is running before the daemon listens, so the first logs accepted are indexed at once; deep health says so', async () => {
    d = await startTestDaemon()
    expect(d.sqlite.indexer.fulltext.status.running).toBe(true)
    const health = await d.client.deepHealth()
    expect(health.status).toBe('healthy')
    expect(health.services.ingestion_queue).toMatchObject({ status: 'healthy', fulltext_index: { running: true } })
  })

  it('is started again when it dies, degrading health meanwhile, and retention then fails at once instead of waiting for ever', async () => {
    const { keyClient } = await accountWithKey(d.client, 'fts-thread')
    const indexer = d.sqlite.indexer.fulltext as unknown as { worker: { terminate(): Promise<number> } }
    await indexer.worker.terminate()
    await expect(d.sqlite.indexer.fulltext.forget([1])).rejects.toThrow(/not running/)
    const down = await d.client.deepHealth()
    expect(down.status).toBe('degraded')
    expect(down.services.ingestion_queue).toMatchObject({ status: 'degraded', fulltext_index: { running: false } })
    // Its replacement indexes what was processed meanwhile, and answers again.
    await keyClient.ingestSingle(log({ message: 'after the restart' }))
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0, 10_000, 'the new thread to index')
    expect((await keyClient.logs({ q: 'restart' })).logs.map((l) => l.message)).toEqual(['after the restart'])
    await expect(d.sqlite.indexer.fulltext.forget([1])).resolves.toBeUndefined()
    expect((await d.client.deepHealth()).status).toBe('healthy')
  })
})
