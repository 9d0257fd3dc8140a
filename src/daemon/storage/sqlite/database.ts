import { chmodSync, existsSync } from 'node:fs'
import BetterSqlite3, { type Database } from 'better-sqlite3'
import { MIGRATIONS, type Migration } from './migrations/index.js'

export type { Database }

export interface OpenOptions {
  /** `full` fsyncs every commit (survives power loss); `normal` survives a crash of the process. */
  durability?: 'normal' | 'full'
  migrations?: readonly Migration[]
}

/** Opens (creating if needed) the SQLite file with WAL and foreign keys, and migrates it. */
export function openDatabase(file: string, options: OpenOptions = {}): Database {
  const db = new BetterSqlite3(file, { timeout: 5000 })
  try {
    switchToWal(db)
  } catch (err) {
    db.close()
    throw err
  }
  db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`)
  db.pragma('foreign_keys = ON')
  db.pragma('temp_store = MEMORY')
  db.pragma('cache_size = -65536')
  try {
    migrate(db, options.migrations ?? MIGRATIONS)
  } catch (err) {
    // A file this Ledger cannot use is not left open (and locked) behind the error.
    db.close()
    throw err
  }
  // The database holds password hashes and key hashes: owner only (also WAL/SHM once created).
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600)
  return db
}

/**
 * `journal_mode = WAL`, retried: while another process switches the same new file, SQLite
 * answers SQLITE_BUSY at once, without calling the busy handler.
 */
function switchToWal(db: Database): void {
  const deadline = Date.now() + 5000
  for (;;) {
    try {
      db.pragma('journal_mode = WAL')
      return
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err
      // A short synchronous pause: opening the database is synchronous by design.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
    }
  }
}

/** Applies, in one transaction each, every migration newer than `PRAGMA user_version`. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number
  const latest = migrations.at(-1)?.version ?? 0
  if (current > latest) {
    throw new Error(
      `database schema version ${current} is newer than this Ledger (${latest}); upgrade Ledger`,
    )
  }
  for (const m of migrations) {
    if (m.version <= current) continue
    // IMMEDIATE, and the version read again inside: another process opening the same file at
    // the same moment waits (busy_timeout) and then skips what it has already applied.
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return
      m.up(db)
      db.pragma(`user_version = ${m.version}`)
    }).immediate()
  }
  return db.pragma('user_version', { simple: true }) as number
}

/** A quick liveness probe of the database with the figures a person would look at. */
export function checkDatabase(db: Database): {
  status: 'healthy' | 'degraded'
  latency_ms: number
  size_bytes: number
  schema_version: number
  error?: string
} {
  const started = performance.now()
  try {
    const pageCount = db.pragma('page_count', { simple: true }) as number
    const pageSize = db.pragma('page_size', { simple: true }) as number
    return {
      status: 'healthy',
      latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
      size_bytes: pageCount * pageSize,
      schema_version: db.pragma('user_version', { simple: true }) as number,
    }
  } catch (err) {
    return {
      status: 'degraded',
      latency_ms: 0,
      size_bytes: 0,
      schema_version: 0,
      error: (err as Error).message,
    }
  }
}
