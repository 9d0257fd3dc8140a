import type { Database, RunResult } from 'better-sqlite3'
import { prepared } from './statements.js'

/** A log as stored, in both the queue and the processed table. */
export interface LogRow {
  id: number
  project_id: number
  received_at: number
  timestamp: number
  level: string
  log_type: string
  importance: string
  message: string | null
  error_type: string | null
  error_message: string | null
  stack_trace: string | null
  environment: string | null
  release: string | null
  sdk_version: string | null
  platform: string | null
  platform_version: string | null
  attributes: string | null
}

/** Every column of a log but its id, in table order (queue and processed table alike). */
export const COLUMNS = `project_id, received_at, timestamp, level, log_type, importance, message, error_type,
  error_message, stack_trace, environment, release, sdk_version, platform, platform_version, attributes`

const ENQUEUE = `INSERT INTO log_queue (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

/** Logs to append to the queue, as columns (see `LogColumns`). */
export interface QueuedColumns {
  length: number
  timestamp: number[]
  level: string[]
  log_type: string[]
  importance: string[]
  message: Array<string | null>
  error_type: Array<string | null>
  error_message: Array<string | null>
  stack_trace: Array<string | null>
  environment: Array<string | null>
  release: Array<string | null>
  sdk_version: Array<string | null>
  platform: Array<string | null>
  platform_version: Array<string | null>
  attributes: Array<string | null>
}

/**
 * Appends the first `count` logs of `c` to the ingestion queue and returns the id of the last
 * one (0 when none). Call inside a transaction. Positional binding: measurably faster than
 * named parameters on the hot path.
 */
export function enqueueLogs(
  db: Database,
  projectId: number,
  receivedAt: number,
  c: QueuedColumns,
  count = c.length,
): number {
  const stmt = prepared(db, ENQUEUE)
  let info: RunResult | undefined
  for (let i = 0; i < count; i++) {
    info = stmt.run(
      projectId,
      receivedAt,
      c.timestamp[i],
      c.level[i],
      c.log_type[i],
      c.importance[i],
      c.message[i],
      c.error_type[i],
      c.error_message[i],
      c.stack_trace[i],
      c.environment[i],
      c.release[i],
      c.sdk_version[i],
      c.platform[i],
      c.platform_version[i],
      c.attributes[i],
    )
  }
  return info === undefined ? 0 : Number(info.lastInsertRowid)
}

/** Queued (accepted, not yet processed) logs per project. */
export function queueCountsByProject(db: Database): Map<number, number> {
  const rows = prepared<[], { project_id: number; n: number }>(
    db,
    'SELECT project_id, count(*) AS n FROM log_queue GROUP BY project_id',
  ).all()
  return new Map(rows.map((r) => [r.project_id, r.n]))
}

/**
 * Moves the oldest `limit` queued logs into the processed table (keeping their ids) and adds
 * them to the per-minute aggregates. One transaction: a crash leaves each log in exactly one of
 * the two tables. Returns how many moved per project, and the largest id moved: every queued
 * log up to it is now in `logs` (ids are handed out in commit order and moved in id order, so
 * ids in `logs` only ever grow). Their text is indexed afterwards, by the full-text thread
 * (see fulltext.ts), in a file of its own.
 */
export function processQueueChunk(
  db: Database,
  limit: number,
): { counts: Map<number, number>; lastId: number } {
  const s = workerStatements(db)
  return db.transaction(() => {
    const last = s.lastOfChunk.get(limit)?.last
    if (last == null) return { counts: new Map<number, number>(), lastId: 0 }
    const counts = s.countsUpTo.all(last)
    // Sorted by (project, timestamp): out-of-order timestamps otherwise dirty a different index
    // leaf page per row (PERFORMANCE.md measured ~4x).
    s.moveToLogs.run(last)
    s.aggregate.run(last)
    s.deleteQueued.run(last)
    return { counts: new Map(counts.map((r) => [r.project_id, r.n])), lastId: last }
  })()
}

function workerStatements(db: Database) {
  return {
    lastOfChunk: prepared<[number], { last: number | null }>(
      db,
      'SELECT max(id) AS last FROM (SELECT id FROM log_queue ORDER BY id LIMIT ?)',
    ),
    countsUpTo: prepared<[number], { project_id: number; n: number }>(
      db,
      'SELECT project_id, count(*) AS n FROM log_queue WHERE id <= ? GROUP BY project_id',
    ),
    moveToLogs: prepared(
      db,
      `INSERT INTO logs (id, ${COLUMNS}) SELECT id, ${COLUMNS} FROM log_queue WHERE id <= ?
       ORDER BY project_id, timestamp`,
    ),
    aggregate: prepared(
      db,
      `INSERT INTO log_minutes (project_id, minute, level, count)
       SELECT project_id, timestamp / 60000, level, count(*) FROM log_queue WHERE id <= ?
       GROUP BY project_id, timestamp / 60000, level
       ON CONFLICT (project_id, minute, level) DO UPDATE SET count = count + excluded.count`,
    ),
    deleteQueued: prepared(db, 'DELETE FROM log_queue WHERE id <= ?'),
  }
}

/** Logs in `logs` with an id above `after`, per project, and the largest id (`after` if none). */
export function processedCountsAfter(db: Database, after: number): { counts: Map<number, number>; upTo: number } {
  const rows = prepared<[number], { project_id: number; n: number; last: number }>(
    db,
    'SELECT project_id, count(*) AS n, max(id) AS last FROM logs WHERE id > ? GROUP BY project_id',
  ).all(after)
  return {
    counts: new Map(rows.map((r) => [r.project_id, r.n])),
    upTo: rows.reduce((m, r) => Math.max(m, r.last), after),
  }
}

export function countLogs(db: Database, projectId: number): number {
  return prepared<[number], { n: number }>(db, 'SELECT count(*) AS n FROM logs WHERE project_id = ?').get(
    projectId,
  )!.n
}

/** The smallest and largest processed ids, or null when no log is processed. */
export function processedIdBounds(db: Database): { lo: number; hi: number } | null {
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
  const bounds = processedIdBounds(db)
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

/** Logs and error/critical logs received per project and second (epoch s). */
export interface ReceivedCountRow {
  project_id: number
  second: number
  n: number
  errors: number
}

/**
 * Logs received since `since` (ms) per project and second, from both tables: what seeds the
 * in-memory ingest rates at start. The processed table is read from the first id received
 * after `since` (found by binary search over rowids: there is no index on received_at).
 */
export function receivedCountsSince(db: Database, since: number): ReceivedCountRow[] {
  const firstId = lastIdReceivedBefore(db, since)
  const arm = (table: string, where: string) =>
    `SELECT project_id, received_at / 1000 AS second, count(*) AS n,
       sum(level IN ('error', 'critical')) AS errors
     FROM ${table} NOT INDEXED WHERE ${where} received_at >= @since GROUP BY project_id, second`
  return prepared<[{ firstId: number; since: number }], ReceivedCountRow>(
    db,
    `${arm('logs', 'id > @firstId AND')} UNION ALL ${arm('log_queue', '')}`,
  ).all({ firstId, since })
}

const ERROR_LEVELS = ['error', 'critical'] as const

/**
 * The latest error and critical logs of some projects, newest first by (timestamp, id), queued
 * ones included. One seek per project and level on the covering (project, level, timestamp)
 * index (an IN over both levels would walk the whole project's time index), one pass over the
 * queue for all of them, and only the rows that make the cut are read in full.
 */
export function latestErrorLogs(db: Database, projectIds: readonly number[], limit: number): LogRow[] {
  if (projectIds.length === 0 || limit <= 0) return []
  const newest = prepared<[number, string, number], { id: number; timestamp: number }>(
    db,
    `SELECT id, timestamp FROM logs WHERE project_id = ? AND level = ?
     ORDER BY timestamp DESC, id DESC LIMIT ?`,
  )
  const candidates: Array<{ id: number; timestamp: number }> = []
  for (const id of projectIds) for (const level of ERROR_LEVELS) candidates.push(...newest.all(id, level, limit))
  candidates.sort((a, b) => b.timestamp - a.timestamp || b.id - a.id)
  const stored = candidates.length
    ? prepared<[string], LogRow>(
        db,
        `SELECT id, ${COLUMNS} FROM logs WHERE id IN (SELECT value FROM json_each(?))`,
      ).all(JSON.stringify(candidates.slice(0, limit).map((c) => c.id)))
    : []
  const queued = prepared<[string, number], LogRow>(
    db,
    `SELECT id, ${COLUMNS} FROM log_queue
     WHERE level IN ('error', 'critical') AND project_id IN (SELECT value FROM json_each(?))
     ORDER BY timestamp DESC, id DESC LIMIT ?`,
  ).all(JSON.stringify(projectIds), limit)
  return [...stored, ...queued].sort((a, b) => b.timestamp - a.timestamp || b.id - a.id).slice(0, limit)
}
