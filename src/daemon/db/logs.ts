import type { Database, Statement } from 'better-sqlite3'

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

export type NewLogRow = Omit<LogRow, 'id'>

const COLUMNS = `project_id, received_at, timestamp, level, log_type, importance, message, error_type,
  error_message, stack_trace, environment, release, sdk_version, platform, platform_version, attributes`

const statements = new WeakMap<Database, { enqueue: Statement }>()

function enqueueStatement(db: Database): Statement {
  let s = statements.get(db)
  if (!s) {
    s = {
      enqueue: db.prepare(
        `INSERT INTO log_queue (${COLUMNS}) VALUES (@project_id, @received_at, @timestamp, @level, @log_type,
         @importance, @message, @error_type, @error_message, @stack_trace, @environment, @release,
         @sdk_version, @platform, @platform_version, @attributes)`,
      ),
    }
    statements.set(db, s)
  }
  return s.enqueue
}

/** Appends logs to the ingestion queue. Call inside a transaction for many rows. */
export function enqueueLogs(db: Database, rows: readonly NewLogRow[]): void {
  const stmt = enqueueStatement(db)
  for (const row of rows) stmt.run(row)
}

/** Queued (accepted, not yet processed) logs per project. */
export function queueCountsByProject(db: Database): Map<number, number> {
  const rows = db
    .prepare<[], { project_id: number; n: number }>(
      'SELECT project_id, count(*) AS n FROM log_queue GROUP BY project_id',
    )
    .all()
  return new Map(rows.map((r) => [r.project_id, r.n]))
}

/**
 * Moves the oldest `limit` queued logs into the processed table, keeping their ids.
 * Returns how many moved per project. Runs in one transaction: a crash leaves each log in
 * exactly one of the two tables.
 */
export function processQueueChunk(db: Database, limit: number): Map<number, number> {
  return db.transaction(() => {
    const last = db
      .prepare<[number], { last: number | null }>(
        'SELECT max(id) AS last FROM (SELECT id FROM log_queue ORDER BY id LIMIT ?)',
      )
      .get(limit)?.last
    if (last == null) return new Map<number, number>()
    const counts = db
      .prepare<[number], { project_id: number; n: number }>(
        'SELECT project_id, count(*) AS n FROM log_queue WHERE id <= ? GROUP BY project_id',
      )
      .all(last)
    db.prepare(
      `INSERT INTO logs (id, ${COLUMNS}) SELECT id, ${COLUMNS} FROM log_queue WHERE id <= ? ORDER BY id`,
    ).run(last)
    db.prepare('DELETE FROM log_queue WHERE id <= ?').run(last)
    return new Map(counts.map((r) => [r.project_id, r.n]))
  })()
}

export function countLogs(db: Database, projectId: number): number {
  return db
    .prepare<[number], { n: number }>('SELECT count(*) AS n FROM logs WHERE project_id = ?')
    .get(projectId)!.n
}
