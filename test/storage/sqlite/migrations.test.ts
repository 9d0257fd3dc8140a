import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, test } from 'vitest'
import { type Database, migrate, openDatabase } from '../../../src/daemon/storage/sqlite/database.js'
import { attachFulltext, indexNextLogs } from '../../../src/daemon/storage/sqlite/fulltext.js'
import { findIdempotency, insertIdempotency } from '../../../src/daemon/storage/sqlite/ingest-records.js'
import { latestErrorLogs } from '../../../src/daemon/storage/sqlite/logs.js'
import { MIGRATIONS, type Migration } from '../../../src/daemon/storage/sqlite/migrations/index.js'
import {
  insertVerificationFailure,
  purgeVerificationFailuresBefore,
  verificationFailuresSince,
} from '../../../src/daemon/storage/sqlite/verification-codes.js'
import { ROOT, waitFor } from '../../helpers/daemon.js'
import { testTempDir } from '../../helpers/tmp.js'

const LATEST = MIGRATIONS.at(-1)!.version
const EXPECTED_TABLES = ['accounts', 'projects', 'api_keys', 'revoked_tokens', 'panels', 'logs', 'log_ids']

let dir: string
const open: Database[] = []

/** A path for a database file that does not exist yet. */
function freshFile(): string {
  dir = testTempDir('ledger-migrations-')
  return join(dir, 'ledger.db')
}

/** Opens through the code under test, remembering the handle so it is closed after the test. */
function openTracked(file: string, migrations?: readonly Migration[]): Database {
  const db = openDatabase(file, migrations ? { migrations } : {})
  open.push(db)
  return db
}

/** A plain connection that neither migrates nor sets pragmas: what is really in the file. */
function raw(file: string): Database {
  const db = new BetterSqlite3(file)
  open.push(db)
  return db
}

const userVersion = (db: Database) => db.pragma('user_version', { simple: true }) as number

function tables(db: Database): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
      name: string
    }[]
  ).map((r) => r.name)
}

/** The whole schema as SQLite stores it, to compare a file before and after. */
function schema(db: Database): { type: string; name: string; sql: string | null }[] {
  return db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY type, name').all() as {
    type: string
    name: string
    sql: string | null
  }[]
}

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('migrations', () => {
  test('are numbered 1..N with no gap, in order, each named after its number', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    for (const m of MIGRATIONS) expect(m.name).toMatch(new RegExp(`^${String(m.version).padStart(3, '0')}-`))
  })

  test('openDatabase on a fresh file applies every migration, with WAL and foreign keys on', () => {
    const file = freshFile()
    const db = openTracked(file)

    expect(userVersion(db)).toBe(LATEST)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(tables(db)).toEqual(expect.arrayContaining(EXPECTED_TABLES))
    // What was written is in the file, not only in this connection.
    const check = raw(file)
    expect(userVersion(check)).toBe(LATEST)
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal')
  })

  test.each(MIGRATIONS.map((m) => [m.name, m.version] as const))(
    'migrations up to %s on a fresh file give user_version %i and a consistent schema',
    (_name, version) => {
      const file = freshFile()
      const upTo = MIGRATIONS.filter((m) => m.version <= version)

      const db = openTracked(file, upTo)

      expect(userVersion(db)).toBe(version)
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(db.pragma('foreign_key_check')).toEqual([])
      // And a file left at this version upgrades to the newest one.
      db.close()
      const upgraded = openTracked(file)
      expect(userVersion(upgraded)).toBe(LATEST)
      expect(tables(upgraded)).toEqual(expect.arrayContaining(EXPECTED_TABLES))
    },
  )

  test('reopening an up-to-date file changes neither its schema nor its data', () => {
    const file = freshFile()
    const first = openTracked(file)
    first
      .prepare('INSERT INTO accounts (email, name, password_hash, created_at) VALUES (?, ?, ?, ?)')
      .run('a@example.com', 'A', 'hash', 1)
    const before = schema(first)
    first.close()

    const again = openTracked(file)

    expect(userVersion(again)).toBe(LATEST)
    expect(schema(again)).toEqual(before)
    expect(again.prepare('SELECT email FROM accounts').all()).toEqual([{ email: 'a@example.com' }])
    expect(migrate(again)).toBe(LATEST)
    expect(schema(again)).toEqual(before)
  })

  test('a file from a newer Ledger (user_version above the newest migration) is refused and gets no table', () => {
    const file = freshFile()
    const newer = raw(file)
    newer.pragma(`user_version = ${LATEST + 1}`)
    newer.close()

    expect(() => openTracked(file)).toThrow(
      `database schema version ${LATEST + 1} is newer than this Ledger (${LATEST}); upgrade Ledger`,
    )

    const check = raw(file)
    expect(userVersion(check)).toBe(LATEST + 1)
    expect(tables(check)).toEqual([])
  })

  test('a failing migration is rolled back whole: user_version stays at the last good one', () => {
    const file = freshFile()
    const failing: Migration[] = [
      { version: 1, name: '001-one', up: (db) => db.exec('CREATE TABLE one (x INTEGER)') },
      {
        version: 2,
        name: '002-two',
        up: (db) => {
          db.exec('CREATE TABLE two (x INTEGER); INSERT INTO one (x) VALUES (42);')
          throw new Error('migration 2 failed half-way')
        },
      },
    ]

    expect(() => openTracked(file, failing)).toThrow('migration 2 failed half-way')

    const check = raw(file)
    expect(userVersion(check)).toBe(1)
    expect(tables(check)).toEqual(['one'])
    expect(check.prepare('SELECT count(*) AS n FROM one').get()).toEqual({ n: 0 })
  })

  test('foreign keys are enforced: no project for a missing account, and deletes cascade', () => {
    const db = openTracked(freshFile())
    const insertProject = db.prepare(
      'INSERT INTO projects (account_id, name, slug, environment, created_at) VALUES (?, ?, ?, ?, ?)',
    )

    expect(() => insertProject.run(999, 'App', 'app', 'production', 1)).toThrow(
      /FOREIGN KEY constraint failed/,
    )

    const account = db
      .prepare('INSERT INTO accounts (email, name, password_hash, created_at) VALUES (?, ?, ?, ?)')
      .run('b@example.com', 'B', 'hash', 1)
    insertProject.run(account.lastInsertRowid, 'App', 'app', 'production', 1)
    db.prepare('DELETE FROM accounts WHERE id = ?').run(account.lastInsertRowid)
    expect(db.prepare('SELECT count(*) AS n FROM projects').get()).toEqual({ n: 0 })
  })

  test('processes opening the same fresh file at once all end up on the newest version', async () => {
    // Several daemons or CLI processes may open a new data dir together; each must wait for
    // the others' migrations instead of running them a second time ("table already exists").
    const database = pathToFileURL(join(ROOT, 'src', 'daemon', 'storage', 'sqlite', 'database.ts')).href
    // Each child loads the code, says "ready", and opens the file only on "go" from stdin,
    // so that they really open it at the same moment.
    const script = `const { openDatabase } = await import(${JSON.stringify(database)})
      console.log('ready')
      process.stdin.once('data', () => {
        const db = openDatabase(process.argv[1])
        console.log(db.pragma('user_version', { simple: true }))
        db.close()
        process.exit(0)
      })`
    const openAll = async (file: string) => {
      const children = Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, file], { cwd: ROOT })
        let out = ''
        child.stdout.on('data', (d) => {
          out += d
        })
        child.stderr.on('data', (d) => {
          out += d
        })
        const done = new Promise<{ code: number | null; out: string }>((resolve) =>
          child.on('close', (code) => resolve({ code, out })),
        )
        return { child, done, out: () => out }
      })
      await waitFor(
        () => children.every((c) => c.out().startsWith('ready\n')),
        30_000,
        'the children to load',
      )
      for (const c of children) c.child.stdin.write('go\n')
      return Promise.all(children.map((c) => c.done))
    }

    for (let round = 0; round < 5; round++) {
      const file = freshFile()
      const results = await openAll(file)
      for (const r of results) expect(r).toEqual({ code: 0, out: `ready\n${LATEST}\n` })
      expect(userVersion(raw(file))).toBe(LATEST)
      for (const db of open.splice(0)) db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('007 moves the full-text index out of the main file: an upgraded database is re-indexed from its logs', () => {
    const file = freshFile()
    // A database of schema 6, with a processed log (then indexed in the main file by the worker).
    const old = openTracked(file, MIGRATIONS.slice(0, 6))
    old.prepare("INSERT INTO accounts (email, password_hash, name, created_at) VALUES ('a@b.c', 'x', 'A', 0)").run()
    old.prepare("INSERT INTO projects (account_id, name, slug, environment, created_at) VALUES (1, 'P', 'p', 'production', 0)").run()
    // What schema 6's worker did: a log accepted into the queue, moved into logs, indexed.
    old.exec(`INSERT INTO log_queue (project_id, received_at, timestamp, level, log_type, importance, message)
      VALUES (1, 0, 1767225600000, 'info', 'logger', 'standard', 'upgraded words')`)
    old.exec(`INSERT INTO logs SELECT * FROM log_queue; DELETE FROM log_queue`)
    old.exec("INSERT INTO logs_fts (rowid, message) SELECT id, message FROM logs")
    old.close()

    const db = openTracked(file)
    expect(userVersion(db)).toBe(LATEST)
    expect(tables(db)).not.toContain('logs_fts')
    const state = attachFulltext(db, join(dir, 'fulltext.db'))
    // Every log stored before is to be indexed again (and is not "waiting" in the queue).
    expect(state).toEqual({ indexedUpTo: 0, rebuildUpTo: 1 })
    const index = raw(join(dir, 'fulltext.db'))
    expect(indexNextLogs(db, index, 100)).toEqual({ from: 0, upTo: 1, rows: 1 })
    expect(indexNextLogs(db, index, 100)).toBeNull()
    expect(db.prepare("SELECT rowid FROM logs_fts WHERE logs_fts MATCH 'upgraded'").all()).toEqual([{ rowid: 1 }])
  })

  test('008 stores queued logs in logs, counts them per minute, and never gives an id twice', () => {
    const file = freshFile()
    // A database of schema 7: one log processed, two still queued, and a third queued log whose
    // id was handed out and then processed and deleted by retention (ids went up to 4).
    const old = openTracked(file, MIGRATIONS.slice(0, 7))
    old.prepare("INSERT INTO accounts (email, password_hash, name, created_at) VALUES ('a@b.c', 'x', 'A', 0)").run()
    old.prepare("INSERT INTO projects (account_id, name, slug, environment, created_at) VALUES (1, 'P', 'p', 'production', 0)").run()
    const queue = old.prepare(`INSERT INTO log_queue (project_id, received_at, timestamp, level, log_type, importance, message)
      VALUES (1, 0, ?, ?, 'logger', 'standard', ?)`)
    queue.run(60_000, 'info', 'processed')
    old.exec(`INSERT INTO logs SELECT * FROM log_queue; DELETE FROM log_queue`)
    old.exec(`INSERT INTO log_minutes (project_id, minute, level, count) VALUES (1, 1, 'info', 1)`)
    queue.run(60_500, 'info', 'queued one')
    queue.run(120_000, 'error', 'queued two')
    queue.run(120_000, 'error', 'gone')
    old.exec(`DELETE FROM log_queue WHERE id = 4`)
    old.close()

    const db = openTracked(file)
    expect(userVersion(db)).toBe(LATEST)
    expect(tables(db)).not.toContain('log_queue')
    expect(db.prepare('SELECT id, message FROM logs ORDER BY id').all()).toEqual([
      { id: 1, message: 'processed' },
      { id: 2, message: 'queued one' },
      { id: 3, message: 'queued two' },
    ])
    expect(db.prepare('SELECT minute, level, count FROM log_minutes ORDER BY minute, level').all()).toEqual([
      { minute: 1, level: 'info', count: 2 },
      { minute: 2, level: 'error', count: 1 },
    ])
    // The next log gets id 5: 4 was handed out once.
    expect(db.prepare('SELECT last FROM log_ids').get()).toEqual({ last: 4 })
  })

  test('009 adds the per-email record of wrong one-time-code guesses, on a fresh file and on an upgraded one', () => {
    const fresh = openTracked(freshFile())
    expect(tables(fresh)).toContain('verification_failures')
    const indexes = (fresh.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'verification_failures'").all() as { name: string }[]).map((r) => r.name)
    expect(indexes).toEqual(expect.arrayContaining(['verification_failures_email_at', 'verification_failures_at']))
    insertVerificationFailure(fresh, 'a@example.com', 10)
    insertVerificationFailure(fresh, 'a@example.com', 20)
    insertVerificationFailure(fresh, 'b@example.com', 30)
    expect(verificationFailuresSince(fresh, 'a@example.com', 10)).toEqual([20])
    expect(purgeVerificationFailuresBefore(fresh, 20)).toBe(2)

    // A database of schema 8 with a live code keeps it, and gets the new table empty.
    const file = freshFile()
    const old = openTracked(file, MIGRATIONS.slice(0, 8))
    old.prepare("INSERT INTO verification_codes (email, code_hmac, created_at, expires_at) VALUES ('c@example.com', 'ab', 1, 2)").run()
    old.close()
    const db = openTracked(file)
    expect(userVersion(db)).toBe(LATEST)
    expect(db.prepare('SELECT email, attempts FROM verification_codes').all()).toEqual([{ email: 'c@example.com', attempts: 0 }])
    expect(db.prepare('SELECT count(*) AS n FROM verification_failures').get()).toEqual({ n: 0 })
  })

  test('010 gives idempotency records the last log id: records from before read null, new ones keep it', () => {
    const file = freshFile()
    const old = openTracked(file, MIGRATIONS.slice(0, 9))
    old
      .prepare(
        `INSERT INTO idempotency_keys (project_id, idem_key, body_hash, status, response, created_at)
         VALUES (1, 'before', 'h', 202, '{}', 5)`,
      )
      .run()
    old.close()

    const db = openTracked(file)
    expect(userVersion(db)).toBe(LATEST)
    expect(findIdempotency(db, 1, 'before')).toEqual({
      project_id: 1,
      idem_key: 'before',
      body_hash: 'h',
      status: 202,
      response: '{}',
      created_at: 5,
      last_log_id: null,
    })
    insertIdempotency(db, { project_id: 1, idem_key: 'after', body_hash: 'h', status: 202, response: '{}', created_at: 6, last_log_id: 42 })
    expect(findIdempotency(db, 1, 'after')?.last_log_id).toBe(42)
  })

  test('011 indexes error and critical logs by arrival, and the recent errors read that index newest first', () => {
    const file = freshFile()
    const old = openTracked(file, MIGRATIONS.slice(0, 10))
    old.prepare("INSERT INTO accounts (email, password_hash, name, created_at) VALUES ('a@b.c', 'x', 'A', 0)").run()
    old.prepare("INSERT INTO projects (account_id, name, slug, environment, created_at) VALUES (1, 'P', 'p', 'production', 0)").run()
    const insert = old.prepare(`INSERT INTO logs (id, project_id, received_at, timestamp, level, log_type, importance, message)
      VALUES (?, 1, ?, ?, ?, 'logger', 'standard', ?)`)
    insert.run(1, 1000, 5000, 'error', 'recent timestamp, arrived first')
    insert.run(2, 2000, 2000, 'info', 'not an error')
    insert.run(3, 3000, 1, 'critical', 'back-dated, arrived last')
    old.close()

    const db = openTracked(file)
    expect(userVersion(db)).toBe(LATEST)
    const sql = `SELECT id FROM logs WHERE project_id = ? AND level IN ('error', 'critical') ORDER BY id DESC LIMIT ?`
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1, 10) as { detail: string }[]).map((r) => r.detail).join('; ')
    // One seek on the partial index, in its order: no sort, no scan of the project's logs.
    expect(plan).toContain('logs_errors_arrival')
    expect(plan).not.toContain('TEMP B-TREE')
    expect(db.prepare(sql).all(1, 10)).toEqual([{ id: 3 }, { id: 1 }])
    expect(latestErrorLogs(db, [1], 10).map((r) => r.message)).toEqual(['back-dated, arrived last', 'recent timestamp, arrived first'])
  })
})
