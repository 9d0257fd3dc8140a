import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { ADMIN, command, findPostgres, ownedTempDir, type PostgresInstall, serverEnv, template } from './postgres-install.js'
import { onFreePort, type ServerProcess, spawnServerProcess } from './server-process.js'
import { useServer } from './servers.js'

export { findPostgres, type PostgresInstall, postgresSkipReason } from './postgres-install.js'

// A real PostgreSQL server for tests, from the machine's own install (Debian's `postgresql`
// package: /usr/lib/postgresql/<major>/bin). Each server lives in a temp dir of the run (its
// data, its Unix socket), listens on 127.0.0.1 on a free port, and accepts only passwords
// (scram-sha-256). As root, `initdb` and `postgres` run as the `postgres` system user.
// A server left running by a killed test process stops by itself within a minute once the run's
// temp dir is gone (PostgreSQL checks its postmaster.pid lock file).

const READY = 'database system is ready to accept connections'

export interface StartOptions {
  /**
   * `fsync` (default on, as in production). Off, a commit still waits for its WAL write
   * (`synchronous_commit` stays on) but not for the disk.
   */
  fsync?: boolean
  /** More `postgres -c name=value` settings. */
  settings?: Record<string, string>
}

export interface PostgresServer {
  readonly host: '127.0.0.1'
  readonly port: number
  readonly major: number
  /** The server's temp dir (data, socket); removed by `stop`. */
  readonly dir: string
  /** The postmaster's pid (while it runs). */
  readonly pid: number
  /**
   * A fresh, empty database owned by a fresh role (LOGIN, with a password, no other privilege):
   * its URL, `postgres://role:password@127.0.0.1:port/db`, with the password percent-encoded.
   * `locale` (e.g. 'C') makes it from template0 with that locale instead of the cluster's.
   */
  createDatabase(opts?: { locale?: string }): Promise<string>
  /** Runs SQL as the superuser, in the `postgres` database (or `database`). */
  admin<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[], database?: string): Promise<R[]>
  /**
   * Fast shutdown (sessions are ended), then starts again on the same port and data: the
   * databases and their URLs stay. Throws if the port was taken meanwhile.
   */
  restart(): Promise<void>
  /** Fast shutdown, keeping its data and port: the server is away until `resume`. */
  halt(): Promise<void>
  /** Starts a halted server again, on the same port and data. */
  resume(): Promise<void>
  /** Fast shutdown (connections are closed), then removes the server's dir. */
  stop(): Promise<void>
}


/**
 * Starts a PostgreSQL server in a temp dir of its own. One per test file is the intended use
 * (`usePostgres` does it in beforeAll/afterAll); each test, or the file, takes a fresh database
 * with `createDatabase`.
 * @throws when PostgreSQL is not usable here (check `findPostgres` / `postgresSkipReason` first).
 */
export async function startPostgres(opts: StartOptions = {}): Promise<PostgresServer> {
  const install = findPostgres()
  if ('skip' in install) throw new Error(`PostgreSQL cannot run here: ${install.skip}`)
  const tpl = template(install)
  const dir = ownedTempDir('ledger-pg-', install)
  const data = join(dir, 'data')
  const socketDir = join(dir, 'run')
  try {
    const copy = spawnSync('cp', ['-a', tpl.data, data], { encoding: 'utf8' })
    if (copy.status !== 0) throw new Error(`copying the template cluster failed: ${copy.stderr}`)
    mkdirSync(socketDir, { mode: 0o700 })
    if (install.runAs) chownSync(socketDir, install.runAs.uid, install.runAs.gid)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    fsync: opts.fsync === false ? 'off' : 'on',
    // A 202 means committed: never turned off, not even in tests.
    synchronous_commit: 'on',
    lc_messages: 'C',
    log_checkpoints: 'off',
    ...opts.settings,
  }

  let started: { port: number; proc: ServerProcess }
  try {
    started = await onFreePort((port) => spawnServer(install, data, port, settings))
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const port = started.port
  let proc: ServerProcess | undefined = started.proc

  const adminClients = new Map<string, pg.Client>()
  const admin = async (database = 'postgres') => {
    let client = adminClients.get(database)
    if (!client) {
      client = new pg.Client({ host: '127.0.0.1', port, user: ADMIN, password: tpl.password, database })
      // An admin connection ended by a restart: forget it, the next call opens another.
      client.on('error', () => adminClients.delete(database))
      client.on('end', () => adminClients.delete(database))
      await client.connect()
      adminClients.set(database, client)
    }
    return client
  }
  const closeAdmin = async () => {
    const clients = [...adminClients.values()]
    adminClients.clear()
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)))
  }
  let databases = 0

  return {
    host: '127.0.0.1',
    get port() {
      return port
    },
    major: install.major,
    dir,
    get pid() {
      return proc?.child.pid ?? 0
    },
    async createDatabase(o = {}) {
      const n = ++databases
      const name = `ledger_test_${n}`
      // Characters that must be percent-encoded in a URL, and a quote for the SQL literal.
      const password = `p@ss:w/rd%'${randomBytes(9).toString('base64url')}`
      const client = await admin()
      await client.query(`CREATE ROLE ${name} LOGIN PASSWORD ${client.escapeLiteral(password)}`)
      const locale = o.locale ? ` TEMPLATE template0 LOCALE ${client.escapeLiteral(o.locale)}` : ''
      await client.query(`CREATE DATABASE ${name} OWNER ${name}${locale}`)
      return `postgres://${name}:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`
    },
    async admin(text, params, database) {
      return (await (await admin(database)).query(text, params)).rows
    },
    async restart() {
      await closeAdmin()
      await proc?.stop()
      // The same port, or a failure: the URLs handed out must stay right.
      proc = await spawnServer(install, data, port, settings)
    },
    async halt() {
      await closeAdmin()
      await proc?.stop()
    },
    async resume() {
      proc = await spawnServer(install, data, port, settings)
    },
    async stop() {
      await closeAdmin()
      await proc?.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Spawns `postgres` and resolves once it accepts connections. */
function spawnServer(
  install: PostgresInstall,
  data: string,
  port: number,
  settings: Record<string, string>,
): Promise<ServerProcess> {
  const args = ['-D', data, '-p', String(port)]
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`)
  const [cmd, argv] = command(install, 'postgres', args)
  return spawnServerProcess({
    name: 'postgres',
    cmd,
    args: argv,
    env: serverEnv(),
    ready: READY,
    portTaken: /could not bind|Address already in use/,
    // SIGINT: fast shutdown (ends sessions, checkpoints). SIGQUIT if that hangs.
    stopSignal: 'SIGINT',
    escalateSignal: 'SIGQUIT',
    graceMs: 30_000,
    exitSignal: 'SIGQUIT',
  })
}

/** A PostgreSQL server for the test file (or describe block): see useServer. */
export function usePostgres(opts: StartOptions = {}): () => PostgresServer {
  return useServer('PostgreSQL', () => startPostgres(opts))
}
