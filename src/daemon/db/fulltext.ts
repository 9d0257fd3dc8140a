import { chmodSync, existsSync } from 'node:fs'
import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'

// The full-text index lives in a database file of its own (`fulltext.db`), attached to every
// connection as `fulltext`, and is written by a thread of its own (fulltext.worker.ts). FTS5
// merges its segments inside the transactions that write it, in steps of up to ~50 ms on a
// large index; in the main file they held the write lock, and the event loop, that long. In
// their own file they hold neither. The index is derived data: it can always be rebuilt from
// `logs`, and is rebuilt when it is missing or belongs to another database.

/** The schema name the full-text file is attached under. */
const FULLTEXT_SCHEMA = 'fulltext'

const SCHEMA = `
  -- Contentless: the text lives in logs; contentless_delete lets retention delete by rowid.
  CREATE VIRTUAL TABLE IF NOT EXISTS ${FULLTEXT_SCHEMA}.logs_fts USING fts5(
    message, error_type, error_message, stack_trace,
    content = '', contentless_delete = 1, tokenize = 'unicode61'
  );
  -- Every log with id <= indexed_upto is indexed (ids are processed in order). database_id is
  -- the main database's instance id: an index left from another database is not used.
  CREATE TABLE IF NOT EXISTS ${FULLTEXT_SCHEMA}.fulltext_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    database_id TEXT NOT NULL,
    indexed_upto INTEGER NOT NULL,
    rebuild_upto INTEGER NOT NULL
  );
`

/** Where the index stands. */
export interface FulltextState {
  /** Every log with a smaller or equal id is indexed. */
  indexedUpTo: number
  /**
   * Logs up to this id were already processed when the index was (re)built from scratch: they
   * are indexed again in the background, and are not "waiting to be processed".
   */
  rebuildUpTo: number
}

/**
 * Attaches the full-text file to `db` as `fulltext`, as it is: for connections other than the
 * daemon's own, once `attachFulltext` has set the file up.
 */
export function attachFulltextFile(db: Database, file: string): void {
  db.prepare(`ATTACH DATABASE ? AS ${FULLTEXT_SCHEMA}`).run(file)
  // Derived data: a power cut may lose its last commits, which are indexed again from `logs`.
  db.pragma(`${FULLTEXT_SCHEMA}.synchronous = NORMAL`)
}

/**
 * Attaches the full-text file to `db` (creating it and its schema if needed) and checks that it
 * is this database's index; an index of another database, or of none, is emptied and marked
 * for a rebuild of every log stored so far. The daemon calls it once, at start.
 */
export function attachFulltext(db: Database, file: string): FulltextState {
  attachFulltextFile(db, file)
  db.pragma(`${FULLTEXT_SCHEMA}.journal_mode = WAL`)
  db.exec(SCHEMA)
  if (existsSync(file)) chmodSync(file, 0o600)
  return db.transaction(() => {
    const id = databaseId(db)
    const row = prepared<[], { database_id: string; indexed_upto: number; rebuild_upto: number }>(
      db,
      `SELECT database_id, indexed_upto, rebuild_upto FROM ${FULLTEXT_SCHEMA}.fulltext_state`,
    ).get()
    if (row && row.database_id === id) return { indexedUpTo: row.indexed_upto, rebuildUpTo: row.rebuild_upto }
    // Empty, or another database's: start again from nothing.
    db.exec(`INSERT INTO ${FULLTEXT_SCHEMA}.logs_fts (logs_fts) VALUES ('delete-all')`)
    const last = prepared<[], { id: number | null }>(db, 'SELECT max(id) AS id FROM logs').get()?.id ?? 0
    prepared(
      db,
      `INSERT OR REPLACE INTO ${FULLTEXT_SCHEMA}.fulltext_state (id, database_id, indexed_upto, rebuild_upto)
       VALUES (1, ?, 0, ?)`,
    ).run(id, last)
    return { indexedUpTo: 0, rebuildUpTo: last }
  })()
}

function databaseId(db: Database): string {
  return prepared<[], { uuid: string }>(db, 'SELECT uuid FROM instance WHERE id = 1').get()!.uuid
}

function fulltextState(db: Database): FulltextState {
  const row = prepared<[], { indexed_upto: number; rebuild_upto: number }>(
    db,
    `SELECT indexed_upto, rebuild_upto FROM ${FULLTEXT_SCHEMA}.fulltext_state`,
  ).get()
  return { indexedUpTo: row?.indexed_upto ?? 0, rebuildUpTo: row?.rebuild_upto ?? 0 }
}

// Transactions here are deferred, never IMMEDIATE: BEGIN IMMEDIATE takes the write lock of every
// attached file, the main one included, which is exactly what this file exists to avoid.

/**
 * Indexes the text of the next (at most `limit`) processed logs after `indexed_upto`, and moves
 * `indexed_upto` past them, in one transaction of the full-text file (the logs are only read).
 * Returns the id range indexed (`from < id <= upTo`), or null when every processed log is.
 */
export function indexNextLogs(db: Database, limit: number): { from: number; upTo: number; rows: number } | null {
  return db.transaction(() => {
    const from = fulltextState(db).indexedUpTo
    const range = prepared<[number, number], { upTo: number | null; rows: number }>(
      db,
      'SELECT max(id) AS upTo, count(*) AS rows FROM (SELECT id FROM logs WHERE id > ? ORDER BY id LIMIT ?)',
    ).get(from, limit)
    if (range?.upTo == null) return null
    prepared(
      db,
      `INSERT INTO ${FULLTEXT_SCHEMA}.logs_fts (rowid, message, error_type, error_message, stack_trace)
       SELECT id, message, error_type, error_message, stack_trace FROM logs WHERE id > ? AND id <= ?`,
    ).run(from, range.upTo)
    prepared(db, `UPDATE ${FULLTEXT_SCHEMA}.fulltext_state SET indexed_upto = ?`).run(range.upTo)
    return { from, upTo: range.upTo, rows: range.rows }
  })()
}

/** Removes logs from the full-text index (before they are deleted from `logs`). */
export function forgetText(db: Database, ids: readonly number[]): void {
  if (ids.length === 0) return
  prepared(db, `DELETE FROM ${FULLTEXT_SCHEMA}.logs_fts WHERE rowid IN (SELECT value FROM json_each(?))`).run(
    JSON.stringify(ids),
  )
}
