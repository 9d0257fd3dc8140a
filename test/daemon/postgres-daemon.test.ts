import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { deadPort, spawnDaemon, type SpawnedDaemon, tempHome } from '../helpers/daemon.js'
import { postgresSkipReason, usePostgres } from '../helpers/postgres.js'

// Choosing PostgreSQL from the command line: `ledger daemon run --database-url …` (or
// LEDGER_DATABASE_URL), the engine shown by `daemon status` and deep health, and the URL's
// password shown nowhere: not in the daemon's log, its state file, health, or an error.

const skip = postgresSkipReason()

/** Every form of the password a careless print could take. */
function passwordForms(url: string): string[] {
  const raw = new URL(url).password
  return [raw, decodeURIComponent(raw)]
}

describe.skipIf(skip !== null)('the daemon on PostgreSQL, from the command line', () => {
  const server = usePostgres({ fsync: false })
  const daemons: SpawnedDaemon[] = []
  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()))
  })

  it('runs on the URL given by --database-url, says so in daemon status and deep health, and prints the password nowhere', async () => {
    const url = await server().createDatabase()
    const d = await spawnDaemon({ args: ['--database-url', url] })
    daemons.push(d)
    const status = await runCli({ home: d.home }, 'daemon', 'status')
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(/storage: PostgreSQL, postgres:\/\/ledger_test_\d+:\*\*\*@127\.0\.0\.1:\d+\/ledger_test_\d+/)
    const json = JSON.parse((await runCli({ home: d.home }, 'daemon', 'status', '--json')).stdout)
    expect(json).toMatchObject({ engine: 'postgres', database: expect.stringContaining(':***@') })
    const deep = await runCli({ home: d.home, url: d.url }, 'health', '--deep')
    expect(deep.stdout).toContain('database: healthy  engine=postgres')
    const health = await (await fetch(`${d.url}/health/deep`)).text()
    expect(JSON.parse(health).services.database.engine).toBe('postgres')
    const state = readFileSync(join(d.home, 'data', 'daemon.json'), 'utf8')
    expect(JSON.parse(state)).toMatchObject({ engine: 'postgres' })
    // Nothing the daemon wrote or answered holds the password, in any form.
    for (const secret of passwordForms(url)) {
      for (const text of [status.stdout, JSON.stringify(json), deep.stdout, health, state, d.output()]) {
        expect(text).not.toContain(secret)
      }
    }
  })

  it('takes LEDGER_DATABASE_URL the same way', async () => {
    const url = await server().createDatabase()
    const d = await spawnDaemon({ env: { LEDGER_DATABASE_URL: url } })
    daemons.push(d)
    const status = await runCli({ home: d.home }, 'daemon', 'status', '--json')
    expect(JSON.parse(status.stdout)).toMatchObject({ engine: 'postgres' })
  })

  it('daemon start passes the URL to the daemon in its environment, never on its command line (visible to every user)', async () => {
    const url = await server().createDatabase()
    const home = tempHome()
    const started = await runCli({ home }, 'daemon', 'start', '--port', '0', '--database-url', url)
    expect(started.code).toBe(0)
    try {
      const state = JSON.parse(readFileSync(join(home, 'data', 'daemon.json'), 'utf8')) as { pid: number; engine: string }
      expect(state.engine).toBe('postgres')
      const cmdline = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8')
      expect(cmdline.split('\0')).toContain('run')
      for (const secret of passwordForms(url)) {
        expect(cmdline).not.toContain(secret)
        expect(started.stdout + started.stderr).not.toContain(secret)
        expect(readFileSync(join(home, 'data', 'daemon.log'), 'utf8')).not.toContain(secret)
      }
    } finally {
      expect((await runCli({ home }, 'daemon', 'stop')).code).toBe(0)
    }
  })

  it('refuses to start when PostgreSQL cannot be reached: one line, a non-zero exit, no password', async () => {
    const url = await server().createDatabase()
    const dead = url.replace(/:\d+\//, `:${await deadPort()}/`)
    const r = await runCli({ home: tempHome(), env: { LEDGER_LOG_LEVEL: 'warn' } }, 'daemon', 'run', '--port', '0', '--database-url', dead)
    expect(r.code).not.toBe(0)
    const lines = r.stderr.trim().split('\n')
    expect(lines[0]).toMatch(/cannot reach PostgreSQL at postgres:\/\/ledger_test_\d+:\*\*\*@127\.0\.0\.1:\d+\/ledger_test_\d+: cannot connect: ECONNREFUSED/)
    for (const secret of passwordForms(url)) expect(r.stdout + r.stderr).not.toContain(secret)
  })

  it('says so, without the password, when the password is wrong', async () => {
    const url = await server().createDatabase()
    const wrong = new URL(url)
    wrong.password = 'not-the-password-at-all'
    const r = await runCli({ home: tempHome() }, 'daemon', 'run', '--port', '0', '--database-url', wrong.toString())
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/cannot reach PostgreSQL at postgres:\/\/ledger_test_\d+:\*\*\*@.*password authentication failed/)
    expect(r.stdout + r.stderr).not.toContain('not-the-password-at-all')
  })
})
