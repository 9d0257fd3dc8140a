import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { isAlive } from '../../src/shared/daemon-state.js'
import { findPostgres, type PostgresServer, postgresSkipReason, startPostgres, usePostgres } from './postgres.js'

// The test harness's PostgreSQL server: a real server from the machine's install, in a temp
// dir, on 127.0.0.1 only, with password authentication, one database per caller.

const skip = postgresSkipReason()
if (skip) console.warn(`PostgreSQL harness tests skipped: ${skip}`)

/** Runs `fn` on a connection made from `url`, then closes it. */
async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

describe.skipIf(skip !== null)('the PostgreSQL test server', () => {
  const server = usePostgres()

  it('answers on the URL of a fresh database, as its own role, with a password (never trust)', async () => {
    const url = await server().createDatabase()
    const parsed = new URL(url)
    expect(parsed.hostname).toBe('127.0.0.1')
    expect(Number(parsed.port)).toBe(server().port)
    // The password needs percent-encoding in the URL: the client must decode it.
    expect(parsed.password).toMatch(/%40|%3A|%2F|%25/)
    const who = await withClient(url, async (c) => (await c.query('SELECT current_user AS u, current_database() AS d, 1 + 1 AS two')).rows[0])
    expect(who).toEqual({ u: parsed.username, d: parsed.pathname.slice(1), two: 2 })

    parsed.password = 'wrong'
    await expect(withClient(parsed.toString(), async () => 'connected')).rejects.toThrow(/password authentication failed/)
    const hba = await server().admin<{ type: string; auth_method: string }>('SELECT type, auth_method FROM pg_hba_file_rules')
    expect(hba.length).toBeGreaterThan(0)
    for (const rule of hba) expect(rule.auth_method).toBe('scram-sha-256')
  })

  it('listens on 127.0.0.1 and a socket inside its temp dir, with production durability (fsync, synchronous_commit)', async () => {
    const s = server()
    const setting = async (name: string) => (await s.admin<{ v: string }>(`SELECT current_setting($1) AS v`, [name]))[0]!.v
    expect(await setting('listen_addresses')).toBe('127.0.0.1')
    const socketDir = await setting('unix_socket_directories')
    expect(socketDir.startsWith(s.dir)).toBe(true)
    expect(existsSync(join(socketDir, `.s.PGSQL.${s.port}`))).toBe(true)
    expect(await setting('fsync')).toBe('on')
    expect(await setting('synchronous_commit')).toBe('on')
    expect(await setting('server_encoding')).toBe('UTF8')
    expect(Number(await setting('server_version_num'))).toBeGreaterThanOrEqual(150000)
    const install = findPostgres()
    if (!('skip' in install) && install.runAs) {
      // As root, the server runs as the postgres system user.
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${s.pid}/status`, 'utf8'))![1]
      expect(Number(uid)).toBe(install.runAs.uid)
    }
  })

  it('gives each caller its own database: tables, and the right to create them, stay apart', async () => {
    const a = await server().createDatabase()
    const b = await server().createDatabase()
    expect(a).not.toBe(b)
    await withClient(a, (c) => c.query('CREATE TABLE things (id int); INSERT INTO things VALUES (1)'))
    await withClient(b, async (c) => {
      expect((await c.query(`SELECT to_regclass('things') AS t`)).rows[0].t).toBeNull()
      await c.query('CREATE TABLE things (id int)')
      expect((await c.query('SELECT count(*)::int AS n FROM things')).rows[0].n).toBe(0)
    })
    // A's role may connect to B (as PUBLIC may) but not create anything there.
    const bName = new URL(b).pathname.slice(1)
    const aInB = new URL(a)
    aInB.pathname = `/${bName}`
    await expect(withClient(aInB.toString(), (c) => c.query('CREATE TABLE intruder (id int)'))).rejects.toThrow(/permission denied/)
    expect(await withClient(a, async (c) => (await c.query('SELECT count(*)::int AS n FROM things')).rows[0].n)).toBe(1)
  })

  it('comes with the contrib extensions: a database owner (no superuser) may create a trusted one, unaccent', async () => {
    const url = await server().createDatabase()
    const out = await withClient(url, async (c) => {
      await c.query('CREATE EXTENSION IF NOT EXISTS unaccent')
      return (await c.query(`SELECT unaccent('Café déjà vu') AS t, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su`)).rows[0]
    })
    expect(out).toEqual({ t: 'Cafe deja vu', su: false })
  })

  it('restarts on the same port with its databases; a session from before is ended, a new one works', async () => {
    const url = await server().createDatabase()
    await withClient(url, (c) => c.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before')`))
    const before = new pg.Client({ connectionString: url })
    await before.connect()
    // pg reports the server's "terminating connection", then the socket's end: two errors.
    const ended = new Promise<Error>((resolve) => before.on('error', resolve))
    const pid = server().pid
    await server().restart()
    expect(server().pid).not.toBe(pid)
    expect(isAlive(pid)).toBe(false)
    expect((await ended).message).toMatch(/terminat|shutdown|Connection terminated/i)
    await before.end().catch(() => undefined)
    expect(await withClient(url, async (c) => (await c.query('SELECT v FROM kept')).rows)).toEqual([{ v: 'before' }])
  })
})

describe.skipIf(skip !== null)('several PostgreSQL test servers', () => {
  const started: PostgresServer[] = []
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()))
  })

  it('start side by side (as two test workers do), each on its own port and dir', async () => {
    const [one, two] = await Promise.all([startPostgres(), startPostgres()])
    started.push(one, two)
    expect(one.port).not.toBe(two.port)
    expect(one.dir).not.toBe(two.dir)
    const urls = await Promise.all([one.createDatabase(), two.createDatabase()])
    const ports = await Promise.all(urls.map((u) => withClient(u, async (c) => (await c.query(`SELECT current_setting('port') AS p`)).rows[0].p)))
    expect(ports.map(Number)).toEqual([one.port, two.port])
  })

  it('stop ends the server and removes its dir; its port no longer answers', async () => {
    const s = await startPostgres({ fsync: false })
    const url = await s.createDatabase()
    expect(await withClient(url, async (c) => (await c.query(`SELECT current_setting('fsync') AS f`)).rows[0].f)).toBe('off')
    const { dir, pid } = s
    expect(existsSync(join(dir, 'data', 'PG_VERSION'))).toBe(true)
    await s.stop()
    expect(isAlive(pid)).toBe(false)
    expect(existsSync(dir)).toBe(false)
    await expect(withClient(url, async () => 'connected')).rejects.toThrow(/ECONNREFUSED/)
  })
})
