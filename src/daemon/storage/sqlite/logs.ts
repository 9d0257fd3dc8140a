import type { Database, Statement } from 'better-sqlite3'
import { compileFieldCode, LOG_FIELDS } from '../../../contract/log-fields.js'
import type { LogColumns, LogRecord, ReceivedCount } from '../types.js'
import { prepared } from './statements.js'

export type LogRow = LogRecord

/** Every column of a log but its id, in table order: the project, the receive time, then the log's fields. */
export const COLUMNS = ['project_id', 'received_at', ...LOG_FIELDS].join(', ')

const INSERT = `INSERT INTO logs (id, ${COLUMNS}) VALUES (?, ?, ?, ${LOG_FIELDS.map(() => '?').join(', ')})`
/**
 * Runs INSERT for log `i` of the columns, each value its own argument (generated from the field
 * table: one array of bind values, or a loop over the names, cost ~12% more main-thread time per
 * log, measured).
 */
const insertRow = compileFieldCode<
  (stmt: Statement<unknown[]>, id: number, projectId: number, receivedAt: number, c: LogColumns, i: number) => void
>(['stmt', 'id', 'projectId', 'receivedAt', 'c', 'i'], `stmt.run(id, projectId, receivedAt, ${LOG_FIELDS.map((f) => `c.${f}[i]`).join(', ')});`)

const ADD_MINUTE = `INSERT INTO log_minutes (project_id, minute, level, count) VALUES (?, ?, ?, ?)
  ON CONFLICT (project_id, minute, level) DO UPDATE SET count = count + excluded.count`


/**
 * Stores the first `count` logs of `c` with the ids `firstId`, `firstId + 1`, … and adds them to
 * the per-minute counts: the only write a log ever gets in this file (its text is indexed in the
 * full-text file afterwards).
 */
function storeLogs(
  db: Database,
  projectId: number,
  receivedAt: number,
  c: LogColumns,
  count: number,
  firstId: number,
): void {
  const stmt = prepared<unknown[]>(db, INSERT)
  // Per (minute, level); runs of the same pair (the common case) cost one comparison a log.
  const minutes = new Map<string, { minute: number; level: string; n: number }>()
  let last: { minute: number; level: string; n: number } | undefined
  for (let i = 0; i < count; i++) {
    insertRow(stmt, firstId + i, projectId, receivedAt, c, i)
    const minute = Math.floor(c.timestamp[i]! / 60_000)
    const level = c.level[i]!
    if (last === undefined || last.minute !== minute || last.level !== level) {
      const key = `${minute} ${level}`
      last = minutes.get(key)
      if (last === undefined) {
        last = { minute, level, n: 0 }
        minutes.set(key, last)
      }
    }
    last.n++
  }
  const add = prepared(db, ADD_MINUTE)
  for (const m of minutes.values()) add.run(projectId, m.minute, m.level, m.n)
}

/**
 * Stores the first `count` logs of `c` under the next ids, in order, and returns the last id
 * given. Call inside a transaction (the accepting commit). Ids grow in commit order and are never
 * given twice, even once retention has emptied the table (`log_ids` remembers the largest).
 */
export function appendLogs(
  db: Database,
  projectId: number,
  receivedAt: number,
  c: LogColumns,
  count = c.length,
): number {
  const first = lastLogId(db) + 1
  storeLogs(db, projectId, receivedAt, c, count, first)
  const last = first + count - 1
  prepared(db, 'UPDATE log_ids SET last = ? WHERE id = 1').run(last)
  return last
}

/** The largest log id ever given (0 before the first). */
export function lastLogId(db: Database): number {
  return prepared<[], { last: number }>(db, 'SELECT last FROM log_ids WHERE id = 1').get()?.last ?? 0
}

/** Logs with an id above `after`, per project, and the largest id (`after` if none). */
export function logCountsAfter(db: Database, after: number): { counts: Map<number, number>; upTo: number } {
  const rows = prepared<[number], { project_id: number; n: number; last: number }>(
    db,
    'SELECT project_id, count(*) AS n, max(id) AS last FROM logs WHERE id > ? GROUP BY project_id',
  ).all(after)
  return {
    counts: new Map(rows.map((r) => [r.project_id, r.n])),
    upTo: rows.reduce((m, r) => Math.max(m, r.last), after),
  }
}

/** The smallest and largest stored ids, or null when no log is stored. */
export function storedIdBounds(db: Database): { lo: number; hi: number } | null {
  const bounds = prepared<[], { lo: number | null; hi: number | null }>(
    db,
    // Two subqueries: min() and max() together in one SELECT scan the whole table.
    'SELECT (SELECT min(id) FROM logs) AS lo, (SELECT max(id) FROM logs) AS hi',
  ).get()
  return bounds?.lo == null || bounds.hi == null ? null : { lo: bounds.lo, hi: bounds.hi }
}

/**
 * The largest id whose log was received before `cutoff` (ms), or 0. Ids grow with receive
 * time, so a binary search over rowids finds it with O(log n) point reads and no index.
 */
export function lastIdReceivedBefore(db: Database, cutoff: number): number {
  const bounds = storedIdBounds(db)
  if (!bounds) return 0
  const at = prepared<[number], { id: number; received_at: number }>(
    db,
    'SELECT id, received_at FROM logs WHERE id >= ? ORDER BY id LIMIT 1',
  )
  let lo = bounds.lo
  let hi = bounds.hi
  let found = 0
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2)
    const row = at.get(mid)
    if (!row) break
    if (row.received_at < cutoff) {
      found = row.id
      lo = row.id + 1
    } else {
      hi = mid - 1
    }
  }
  return found
}

/** The ids of the first `limit` logs of a project with id ≤ `maxId`, in id order. */
export function oldestLogIds(db: Database, projectId: number, maxId: number, limit: number): number[] {
  return prepared<[number, number, number], { id: number }>(
    db,
    'SELECT id FROM logs WHERE id <= ? AND project_id = ? ORDER BY id LIMIT ?',
  )
    .all(maxId, projectId, limit)
    .map((r) => r.id)
}

/**
 * Deletes a project's logs with `first <= id <= last` (what `oldestLogIds` returned, once
 * their text is out of the full-text index).
 */
export function deleteLogRange(db: Database, projectId: number, first: number, last: number): number {
  return prepared(db, 'DELETE FROM logs WHERE project_id = ? AND id BETWEEN ? AND ?').run(projectId, first, last)
    .changes
}

/** Drops per-minute aggregates older than `minute` for a project. */
export function deleteMinutesBefore(db: Database, projectId: number, minute: number): number {
  return prepared(db, 'DELETE FROM log_minutes WHERE project_id = ? AND minute < ?').run(projectId, minute)
    .changes
}

/**
 * Logs received since `since` (ms) per project and second, among the newest `atMost`: what seeds
 * the in-memory ingest rates at start. Read from the first id received after `since` (found by
 * binary search over rowids: there is no index on received_at), and never more than `atMost`
 * rows: after minutes of heavy load, reading every one of them delayed the start by seconds
 * (5,000,000 logs: 8.8 s).
 */
export function receivedCountsSince(db: Database, since: number, atMost: number): ReceivedCount[] {
  const bounds = storedIdBounds(db)
  if (!bounds) return []
  const firstId = Math.max(lastIdReceivedBefore(db, since), bounds.hi - atMost)
  return prepared<[{ firstId: number; since: number }], ReceivedCount>(
    db,
    `SELECT project_id, received_at / 1000 AS second, count(*) AS n,
       sum(level IN ('error', 'critical')) AS errors
     FROM logs NOT INDEXED WHERE id > @firstId AND received_at >= @since GROUP BY project_id, second`,
  ).all({ firstId, since })
}

/**
 * The latest error and critical logs of some projects to arrive, newest first (by id, which
 * follows arrival): a burst of back-dated errors arriving now comes first, whatever its own
 * timestamps. One seek per project on the partial index of errors (migration 011), and only
 * the rows that make the cut are read in full.
 */
export function latestErrorLogs(db: Database, projectIds: readonly number[], limit: number): LogRow[] {
  if (projectIds.length === 0 || limit <= 0) return []
  // The level test is the partial index's own, word for word: SQLite uses the index only then.
  const newest = prepared<[number, number], { id: number }>(
    db,
    `SELECT id FROM logs WHERE project_id = ? AND level IN ('error', 'critical') ORDER BY id DESC LIMIT ?`,
  )
  const ids: number[] = []
  for (const id of projectIds) for (const r of newest.all(id, limit)) ids.push(r.id)
  if (ids.length === 0) return []
  ids.sort((a, b) => b - a)
  return prepared<[string], LogRow>(db, `SELECT id, ${COLUMNS} FROM logs WHERE id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(ids.slice(0, limit)))
    .sort((a, b) => b.id - a.id)
}
