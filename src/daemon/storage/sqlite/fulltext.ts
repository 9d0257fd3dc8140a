import { chmodSync, existsSync } from 'node:fs'
import type { Database } from 'better-sqlite3'
import type { IndexState } from '../types.js'
import { prepared } from './statements.js'
import { attributeText } from '../attribute-text.js'

// The full-text index lives in a database file of its own (`fulltext.db`), written by a thread of
// its own (fulltext.worker.ts) on a connection that opens it as its main file, and read by
// another (fulltext-reads.worker.ts), which attaches it as `fulltext`. The daemon's connection
// attaches it only at start, to check and set it up. FTS5 merges its
// segments inside the transactions that write it, in steps of up to ~50 ms on a large index; in
// the main file they held the write lock, and the event loop, that long. In their own file they
// hold neither. The index is derived data: it can always be rebuilt from `logs`, and is rebuilt
// when it is missing, of an older format, or belongs to another database.

/** The full-text file's journal: emptied after each commit, so no file grows between them. */
export const FULLTEXT_JOURNAL = 'TRUNCATE'

/** The schema name the full-text file is attached under. */
const FULLTEXT_SCHEMA = 'fulltext'

/**
 * The index's format, in the file's `user_version`; an index of another format is rebuilt.
 * 2: attribute values are indexed too (a column of their own).
 */
const FORMAT = 2

const schema = (s: string) => `
  -- Contentless: the text lives in logs; contentless_delete lets retention delete by rowid.
  CREATE VIRTUAL TABLE IF NOT EXISTS ${s}.logs_fts USING fts5(
    message, error_type, error_message, stack_trace, attributes,
    content = '', contentless_delete = 1, tokenize = 'unicode61'
  );
  -- Every log with id <= indexed_upto is indexed (ids are indexed in order). database_id is
  -- the main database's instance id: an index left from another database is not used.
  CREATE TABLE IF NOT EXISTS ${s}.fulltext_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    database_id TEXT NOT NULL,
    indexed_upto INTEGER NOT NULL,
    rebuild_upto INTEGER NOT NULL
  );
`

/** Where the index stands (see IndexState). */
export type FulltextState = IndexState

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
 * is this database's index, of this format; any other index, or none, is emptied and marked for
 * a rebuild of every log stored so far. The daemon calls it once, at start.
 */
export function attachFulltext(db: Database, file: string): FulltextState {
  attachFulltextFile(db, file)
  // A rollback journal, not a WAL: FTS5 mostly appends new segment pages, which a rollback
  // journal writes once (into the file) where a WAL writes them twice (into the WAL, then into
  // the file at a checkpoint); only the few pages a transaction changes in place are copied to
  // the journal first. Measured under sustained load at 1.2 M logs: 302 instead of 497 bytes
  // written per log by the indexing thread. Its cost, that a commit locks readers out for a
  // moment, falls on the full-text reading thread (fulltext-reader.ts), never on the main one.
  // Set here, it turns a file that had a WAL into one without; each writing connection sets it
  // again (a rollback journal's mode is the connection's, not the file's).
  db.pragma(`${FULLTEXT_SCHEMA}.journal_mode = ${FULLTEXT_JOURNAL}`)
  const format = db.pragma(`${FULLTEXT_SCHEMA}.user_version`, { simple: true }) as number
  if (format !== FORMAT) {
    // Dropped here, in its own transaction: FTS5 empties a table of another shape in no cheaper way.
    db.exec(`DROP TABLE IF EXISTS ${FULLTEXT_SCHEMA}.logs_fts; DROP TABLE IF EXISTS ${FULLTEXT_SCHEMA}.fulltext_state`)
    db.pragma(`${FULLTEXT_SCHEMA}.user_version = ${FORMAT}`)
  }
  db.exec(schema(FULLTEXT_SCHEMA))
  // FTS5 merges a level's segments once it has 16 of them (the default is 4), incrementally, a
  // bounded step per transaction; all at once (a "crisis merge", one long transaction) only past
  // 32. Each merge rewrites the text it merges: fewer, wider merges rewrite each log fewer times.
  // Measured (scratch index of the same shape, 20,000-log transactions): bytes written per log
  // 261 → 202 at 1.2 M logs and 362 → 280 at 5 M against automerge 8 (4 was worse still), with
  // less CPU, and searches as fast within a few tenths of a millisecond. Crisis merges at 16
  // wrote less again, but merge a whole level in one transaction (past 5 M logs, 16 segments of
  // 320,000 logs each), with indexing stalled and searches locked out meanwhile.
  db.exec(`INSERT INTO ${FULLTEXT_SCHEMA}.logs_fts (logs_fts, rank) VALUES ('automerge', 16)`)
  db.exec(`INSERT INTO ${FULLTEXT_SCHEMA}.logs_fts (logs_fts, rank) VALUES ('crisismerge', 32)`)
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

/** How far the index stands, read on a connection that has the full-text file as its main one. */
function indexedUpTo(index: Database): number {
  return prepared<[], { indexed_upto: number }>(index, 'SELECT indexed_upto FROM main.fulltext_state').get()
    ?.indexed_upto ?? 0
}

/** The text of a log that is indexed, as the logs table holds it. */
interface TextRow {
  id: number
  message: string | null
  error_type: string | null
  error_message: string | null
  stack_trace: string | null
  attributes: string | null
}

/**
 * Indexes the text of the next (at most `limit`) stored logs after the index's watermark, and
 * moves the watermark past them. The logs are read from `source` (a connection to the main
 * database) in one short statement, so no read snapshot of the main file is held while the
 * index is written; they are written in one transaction of `index` (a connection whose main
 * file is the full-text file). Returns the id range indexed (`from < id <= upTo`), or null when
 * every stored log is indexed.
 */
export function indexNextLogs(
  source: Database,
  index: Database,
  limit: number,
): { from: number; upTo: number; rows: number } | null {
  const from = indexedUpTo(index)
  const rows = prepared<[number, number], TextRow>(
    source,
    'SELECT id, message, error_type, error_message, stack_trace, attributes FROM logs WHERE id > ? ORDER BY id LIMIT ?',
  ).all(from, limit)
  if (rows.length === 0) return null
  const upTo = rows.at(-1)!.id
  const insert = prepared(
    index,
    `INSERT INTO main.logs_fts (rowid, message, error_type, error_message, stack_trace, attributes)
     VALUES (?, ?, ?, ?, ?, ?)`,
  )
  index.transaction(() => {
    for (const r of rows) {
      insert.run(r.id, r.message, r.error_type, r.error_message, r.stack_trace, attributeText(r.attributes))
    }
    prepared(index, 'UPDATE main.fulltext_state SET indexed_upto = ?').run(upTo)
  })()
  return { from, upTo, rows: rows.length }
}

export { attributeText }

/** Removes logs from the full-text index (before they are deleted from `logs`). */
export function forgetText(index: Database, ids: readonly number[]): void {
  if (ids.length === 0) return
  prepared(index, 'DELETE FROM main.logs_fts WHERE rowid IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids))
}
