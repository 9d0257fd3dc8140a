import { type ChildProcess, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { LedgerClient } from '../../src/client/index.js'
import type { LogInput } from '../../src/contract/ingest.js'
import { buildApp } from '../../src/daemon/app.js'
import { attachFulltextFile } from '../../src/daemon/storage/sqlite/fulltext.js'
import { type DaemonConfigInput, DaemonConfigSchema } from '../../src/daemon/config.js'
import type { RouteInfo } from '../../src/daemon/http/plugins/auth.js'
import type { Services } from '../../src/daemon/container.js'
import type { SqliteStorage } from '../../src/daemon/storage/sqlite/index.js'
import { readState } from '../../src/shared/daemon-state.js'
import { dataFiles } from '../../src/shared/paths.js'
import { freshDatabaseUrl, onPostgres } from './test-storage.js'
import { testTempDir } from './tmp.js'
import { freePort } from './ports.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')

/** A fresh LEDGER_HOME in the temp dir. */
export function tempHome(): string {
  return testTempDir('ledger-test-')
}

export interface TestDaemon {
  url: string
  home: string
  dataDir: string
  /** A client with no credential; use `.withCredential()` for others. */
  client: LedgerClient
  services: Services
  /**
   * The SQLite engine behind the services. On PostgreSQL (LEDGER_TEST_STORAGE=postgres) there is
   * none: the tests that use it are SQLite-specific and say so (`onPostgres`).
   */
  sqlite: SqliteStorage
  /** The database URL the daemon runs on (PostgreSQL only). */
  databaseUrl?: string
  /** The injected clock: tests move it with `clock.advance(ms)`. */
  clock: { now: number; advance(ms: number): void }
  /** Every registered route with the credential it accepts. */
  routes: readonly RouteInfo[]
  /** What the daemon logged at warn and above (with `captureLog`), one JSON line each. */
  logLines(): string[]
  /** A read-only handle on the real SQLite file, to check what was stored (SQLite only). */
  inspect(): BetterSqlite3.Database
  /**
   * Runs a read on the daemon's real database, whichever the engine (`?` parameters, portable
   * SQL; bigints come back as numbers): what the engine-neutral tests check stored rows with.
   */
  sql<R = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<R[]>
  /** Runs a write on the daemon's real database, whichever the engine (`?` parameters). */
  sqlWrite(text: string, ...params: unknown[]): Promise<void>
  close(): Promise<void>
}

/**
 * Per-address throttles relaxed for the suite: its tests register dozens of accounts, and fail
 * dozens of logins, from 127.0.0.1 on one daemon. The tests of the throttles themselves set
 * them back (overrides win).
 */
export const TEST_THROTTLES = {
  registrationsPerHour: 1_000_000,
  loginFailuresPerAddress: 1_000_000,
} satisfies Partial<DaemonConfigInput>

/**
 * The real daemon app on a real SQLite file in a temp LEDGER_HOME (or, with
 * LEDGER_TEST_STORAGE=postgres, a fresh PostgreSQL database: test-storage.ts), listening on an
 * ephemeral port on 127.0.0.1. Password hashing is cheaper than production (scrypt N=2^12) to keep the
 * suite fast; the spawned-process tests use the production default.
 */
export async function startTestDaemon(
  overrides: Partial<DaemonConfigInput> = {},
  opts: { realClock?: boolean; captureLog?: boolean } = {},
): Promise<TestDaemon> {
  const home = tempHome()
  const databaseUrl = onPostgres && !('databaseUrl' in overrides) ? await freshDatabaseUrl() : undefined
  const config = DaemonConfigSchema.parse({
    dataDir: join(home, 'data'),
    databaseUrl,
    port: 0,
    scryptLogN: 12,
    logLevel: 'silent',
    ...TEST_THROTTLES,
    ...overrides,
  })
  // Usually in `home`; a test may put it elsewhere (a small tmpfs, to fill up).
  const dataDir = config.dataDir
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms
    },
  }
  const logLines: string[] = []
  const logger = opts.captureLog ? { level: 'warn', stream: { write: (line: string) => logLines.push(line) } } : false
  const { app, services, routes } = await buildApp({ config, now: opts.realClock ? Date.now : () => clock.now, logger })
  // On 127.0.0.1, unless the test binds elsewhere (0.0.0.0 is reached through 127.0.0.1 too).
  await app.listen({ host: config.host, port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const url = `http://127.0.0.1:${port}`
  const client = new LedgerClient({ baseUrl: url })
  const inspectors: BetterSqlite3.Database[] = []
  const pgClients: pg.Client[] = []
  const sql = async <R,>(text: string, ...params: unknown[]): Promise<R[]> => {
    if (services.storage.engine === 'sqlite') {
      let db = inspectors[0]
      if (!db) {
        db = new BetterSqlite3(dataFiles(dataDir).database, { readonly: true })
        inspectors.push(db)
      }
      return db.prepare(text).all(...params) as R[]
    }
    let client = pgClients[0]
    if (!client) {
      client = new pg.Client({ connectionString: config.databaseUrl, types: NUMBERS })
      await client.connect()
      pgClients.push(client)
    }
    let n = 0
    return (await client.query(text.replace(/\?/g, () => `$${++n}`), params)).rows as R[]
  }
  return {
    url,
    home,
    dataDir,
    client,
    services,
    get sqlite(): SqliteStorage {
      if (services.storage.engine !== 'sqlite') throw new Error('this test is SQLite-specific: the daemon runs on PostgreSQL')
      return services.storage as SqliteStorage
    },
    databaseUrl: config.databaseUrl,
    clock,
    routes,
    logLines: () => logLines,
    inspect() {
      if (services.storage.engine !== 'sqlite') throw new Error('this test is SQLite-specific: the daemon runs on PostgreSQL')
      const files = dataFiles(dataDir)
      const db = new BetterSqlite3(files.database, { readonly: true })
      attachFulltextFile(db, files.fulltext)
      inspectors.push(db)
      return db
    },
    async sqlWrite(text: string, ...params: unknown[]): Promise<void> {
      if (services.storage.engine === 'sqlite') {
        ;(services.storage as SqliteStorage).db.prepare(text).run(...params)
        return
      }
      await sql(text, ...params)
    },
    sql,
    async close() {
      for (const db of inspectors) db.close()
      await Promise.all(pgClients.map((c) => c.end()))
      await client.close()
      await app.close()
      rmSync(home, { recursive: true, force: true })
    },
  }
}

/** int8 and numeric as numbers (counts, ids, epoch ms), as SQLite gives them. */
const NUMBERS = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
} as unknown as pg.CustomTypesConfig

let counter = 0
/** A unique, valid email for a test account. */
export function uniqueEmail(tag = 'user'): string {
  counter++
  return `${tag}${process.pid}x${counter}@example.com`
}

export const PASSWORD = 'SecurePass123'

/** Registers an account; returns a client carrying its access token. */
export async function registerAccount(client: LedgerClient, email = uniqueEmail()) {
  const res = await client.register({ email, password: PASSWORD, name: 'Test User' })
  return { ...res, client: client.withCredential(res.access_token) }
}

/** An account with a project and an API key: the usual starting point of ingestion tests. */
export async function accountWithKey(client: LedgerClient, slug = 'app') {
  const account = await registerAccount(client)
  const project = await account.client.createProject({ name: 'App', slug })
  const key = await account.client.createApiKey(project.project_id, { name: 'test key' })
  return { account, project, key, keyClient: client.withCredential(key.full_key) }
}

/** A valid log with every required field (overrides may make it invalid on purpose). */
export function log(overrides: Record<string, unknown> = {}): LogInput {
  return {
    timestamp: '2025-10-17T10:00:00Z',
    level: 'info',
    log_type: 'console',
    importance: 'standard',
    message: 'Application started',
    ...overrides,
  } as LogInput
}

/** Polls `check` until it returns a truthy value (no fixed sleeps), or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<Exclude<T, null | undefined | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await check()
      if (v) return v as Exclude<T, null | undefined | false | 0 | ''>
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export const deadPort = freePort

export interface SpawnedDaemon {
  url: string
  pid: number
  home: string
  child: ChildProcess
  output(): string
  /** SIGTERM and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** `node bin/run.js daemon run --port 0` as a real child process with its own LEDGER_HOME. */
export async function spawnDaemon(
  opts: { home?: string; args?: string[]; env?: Record<string, string>; port?: number } = {},
): Promise<SpawnedDaemon> {
  const home = opts.home ?? tempHome()
  const child = spawn(process.execPath, [BIN, 'daemon', 'run', '--port', String(opts.port ?? 0), ...(opts.args ?? [])], {
    env: {
      ...process.env,
      LEDGER_HOME: home,
      LEDGER_LOG_LEVEL: 'warn',
      LEDGER_REGISTRATIONS_PER_HOUR: String(TEST_THROTTLES.registrationsPerHour),
      LEDGER_LOGIN_FAILURES_PER_ADDRESS: String(TEST_THROTTLES.loginFailuresPerAddress),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => {
    out += d
  })
  child.stderr!.on('data', (d) => {
    out += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const state = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`daemon exited: ${out}`)
      const s = readState(join(home, 'data'))
      return s && s.pid === child.pid ? s : null
    },
    20_000,
    'the daemon to listen',
  )
  return {
    url: state.url,
    pid: state.pid,
    home,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}
