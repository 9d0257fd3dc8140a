import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, inject } from 'vitest'
import { testTempDir } from './tmp.js'

// A real PostgreSQL server for tests, from the machine's own install (Debian's `postgresql`
// package: /usr/lib/postgresql/<major>/bin). Each server lives in a temp dir of the run (its
// data, its Unix socket), listens on 127.0.0.1 on a free port, and accepts only passwords
// (scram-sha-256). `initdb` runs once per test run (a template cluster copied for each server:
// 0.2 s instead of 2 s); as root, `initdb` and `postgres` run as the `postgres` system user.
// A server left running by a killed test process stops by itself within a minute once the run's
// temp dir is gone (PostgreSQL checks its postmaster.pid lock file).

/** The oldest major version Ledger supports. */
const MIN_MAJOR = 15
const ADMIN = 'ledger_admin'
const READY = 'database system is ready to accept connections'

/** A PostgreSQL install the tests can use. */
export interface PostgresInstall {
  /** Directory of `initdb` and `postgres`. */
  bin: string
  major: number
  /** Set when the server must run as another user (the tests run as root). */
  runAs?: { user: string; uid: number; gid: number }
}

/**
 * The newest PostgreSQL (≥ 15) installed under /usr/lib/postgresql (or where `pg_config` says),
 * or why the tests that need one are skipped.
 */
export function findPostgres(): PostgresInstall | { skip: string } {
  const bins: Array<{ bin: string; major: number }> = []
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    for (const v of readdirSync(debian)) {
      if (/^\d+$/.test(v)) bins.push({ bin: join(debian, v, 'bin'), major: Number(v) })
    }
  }
  const config = spawnSync('pg_config', ['--bindir', '--version'], { encoding: 'utf8' })
  if (config.status === 0) {
    const [bin, version] = config.stdout.trim().split('\n')
    const major = Number(/PostgreSQL (\d+)/.exec(version ?? '')?.[1])
    if (bin && major) bins.push({ bin, major })
  }
  const usable = bins
    .filter((b) => existsSync(join(b.bin, 'initdb')) && existsSync(join(b.bin, 'postgres')))
    .sort((a, b) => b.major - a.major)
  const found = usable[0]
  if (!found) return { skip: 'PostgreSQL is not installed (apt-get install postgresql)' }
  if (found.major < MIN_MAJOR) {
    return { skip: `PostgreSQL ${found.major} is installed; Ledger needs ${MIN_MAJOR} or newer` }
  }
  if (process.getuid?.() !== 0) return found
  // initdb refuses to run as root.
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' })
  const uid = id('-u')
  const gid = id('-g')
  if (uid.status !== 0 || gid.status !== 0) {
    return { skip: 'the tests run as root and there is no postgres system user to run PostgreSQL as' }
  }
  if (spawnSync('sh', ['-c', 'command -v setpriv']).status !== 0) {
    return { skip: 'the tests run as root and setpriv (util-linux) is not installed to run PostgreSQL as postgres' }
  }
  return { ...found, runAs: { user: 'postgres', uid: Number(uid.stdout), gid: Number(gid.stdout) } }
}

/** Why PostgreSQL tests are skipped on this machine, or null when they run. */
export function postgresSkipReason(): string | null {
  const found = findPostgres()
  return 'skip' in found ? found.skip : null
}

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
  /** Fast shutdown (connections are closed), then removes the server's dir. */
  stop(): Promise<void>
}

interface Template {
  data: string
  password: string
}

/** The run's template cluster: `initdb` once, copied for each server. */
function template(install: PostgresInstall): Template {
  const root = inject('tmpRoot')
  const dir = join(root, `postgres-${install.major}-template`)
  const read = (): Template => ({ data: join(dir, 'data'), password: readFileSync(join(dir, 'password'), 'utf8') })
  if (existsSync(join(dir, 'data'))) return read()
  const build = ownedTempDir('ledger-pg-initdb-', install)
  const password = randomBytes(18).toString('base64url')
  const pwfile = join(build, 'password')
  writeFileSync(pwfile, password, { mode: 0o600 })
  if (install.runAs) chownSync(pwfile, install.runAs.uid, install.runAs.gid)
  const init = run(install, 'initdb', [
    '--pgdata', join(build, 'data'),
    '--username', ADMIN,
    '--pwfile', pwfile,
    '--auth', 'scram-sha-256',
    '--encoding', 'UTF8',
    ...(hasLocale('C.UTF-8') ? ['--locale', 'C.UTF-8'] : ['--no-locale']),
    // The cluster is thrown away after the run: no need to flush initdb's files to disk.
    '--no-sync',
  ])
  if (init.status !== 0) {
    rmSync(build, { recursive: true, force: true })
    throw new Error(`initdb failed: ${init.stderr}${init.stdout}`)
  }
  try {
    // Atomic: two test workers may build one at once; the first rename wins.
    renameSync(build, dir)
  } catch {
    rmSync(build, { recursive: true, force: true })
  }
  return read()
}

/** A temp dir of the run that the server's user owns (and can reach). */
function ownedTempDir(prefix: string, install: PostgresInstall): string {
  if (install.runAs) {
    // The run's temp dir is 0700 root: let the postgres user through (not list it).
    const root = inject('tmpRoot')
    chmodSync(root, statSync(root).mode | 0o011)
  }
  const dir = testTempDir(prefix)
  if (install.runAs) chownSync(dir, install.runAs.uid, install.runAs.gid)
  return dir
}

/** Runs one of the install's programs to its end, as the server's user. */
function run(install: PostgresInstall, program: string, args: string[]) {
  const [cmd, argv] = command(install, program, args)
  return spawnSync(cmd, argv, { encoding: 'utf8', env: serverEnv() })
}

function command(install: PostgresInstall, program: string, args: string[]): [string, string[]] {
  const path = join(install.bin, program)
  if (!install.runAs) return [path, args]
  // setpriv execs in place (no fork), so the pid we hold is the program's own.
  return [
    'setpriv',
    [`--reuid=${install.runAs.uid}`, `--regid=${install.runAs.gid}`, '--init-groups', '--', path, ...args],
  ]
}

function serverEnv(): NodeJS.ProcessEnv {
  // English messages whatever the machine's locale; no PG* variables from the caller's shell.
  return { PATH: process.env['PATH'], LC_ALL: hasLocale('C.UTF-8') ? 'C.UTF-8' : 'C' }
}

let locales: string[] | undefined
/** The machine has this libc locale (`locale -a` spells C.UTF-8 as C.utf8). */
function hasLocale(name: string): boolean {
  const norm = (l: string) => l.toLowerCase().replace('utf-8', 'utf8')
  locales ??= (spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout ?? '').split('\n').map(norm)
  return locales.includes(norm(name))
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
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

  let proc: Running | undefined
  let port = 0
  try {
    for (let attempt = 0; !proc; attempt++) {
      port = await freePort()
      try {
        proc = await spawnServer(install, data, port, settings)
      } catch (err) {
        // Another process took the port between our probe and the bind: take another one.
        if (!(err instanceof PortTaken) || attempt >= 4) throw err
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }

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
    async stop() {
      await closeAdmin()
      await proc?.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

class PortTaken extends Error {}

interface Running {
  child: ChildProcess
  stop(): Promise<void>
}

/** Spawns `postgres` and resolves once it accepts connections. */
async function spawnServer(
  install: PostgresInstall,
  data: string,
  port: number,
  settings: Record<string, string>,
): Promise<Running> {
  const args = ['-D', data, '-p', String(port)]
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`)
  const [cmd, argv] = command(install, 'postgres', args)
  const child = spawn(cmd, argv, { env: serverEnv(), stdio: ['ignore', 'ignore', 'pipe'] })
  // The last lines of the server's log, for error messages. Read to the end: a full pipe would
  // block the server.
  let log = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // A test process that exits without stopping its server (a crash) takes it down.
  const onExit = () => child.kill('SIGQUIT')
  process.once('exit', onExit)
  void exited.then(() => process.off('exit', onExit))

  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-8000)
      if (log.includes(READY)) {
        child.stderr!.off('data', onData)
        child.stderr!.on('data', (more: Buffer) => {
          log = (log + more.toString('utf8')).slice(-8000)
        })
        resolve()
      }
    }
    child.stderr!.on('data', onData)
    child.once('error', reject)
    void exited.then(() => {
      const taken = /could not bind|Address already in use/.test(log)
      reject(taken ? new PortTaken(log) : new Error(`postgres exited before it was ready:\n${log}`))
    })
  })

  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      // SIGINT: fast shutdown (ends sessions, checkpoints). SIGQUIT if that hangs.
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/**
 * A server for the test file (or describe block): started in beforeAll, stopped in afterAll.
 * Returns an accessor for it (valid inside tests and hooks).
 */
export function usePostgres(opts: StartOptions = {}): () => PostgresServer {
  let server: PostgresServer | undefined
  beforeAll(async () => {
    server = await startPostgres(opts)
  })
  afterAll(async () => {
    await server?.stop()
  })
  return () => {
    if (!server) throw new Error('the PostgreSQL server is not started (use it inside tests or hooks)')
    return server
  }
}
