import type { Database } from 'better-sqlite3'

/** Logs accepted for a project on a UTC day (day = floor(ms / 86400000)). */
export function quotaUsed(db: Database, projectId: number, day: number): number {
  return (
    db
      .prepare<[number, number], { count: number }>(
        'SELECT count FROM quota_usage WHERE project_id = ? AND day = ?',
      )
      .get(projectId, day)?.count ?? 0
  )
}

export function addQuotaUsage(db: Database, projectId: number, day: number, n: number): void {
  db.prepare(
    `INSERT INTO quota_usage (project_id, day, count) VALUES (?, ?, ?)
     ON CONFLICT (project_id, day) DO UPDATE SET count = count + excluded.count`,
  ).run(projectId, day, n)
}

export function purgeQuotaUsageBefore(db: Database, day: number): number {
  return db.prepare('DELETE FROM quota_usage WHERE day < ?').run(day).changes
}

export interface IdempotencyRow {
  project_id: number
  idem_key: string
  body_hash: string
  status: number
  response: string
  created_at: number
}

export function findIdempotency(db: Database, projectId: number, key: string): IdempotencyRow | undefined {
  return db
    .prepare<[number, string], IdempotencyRow>(
      'SELECT * FROM idempotency_keys WHERE project_id = ? AND idem_key = ?',
    )
    .get(projectId, key)
}

export function insertIdempotency(db: Database, row: IdempotencyRow): void {
  db.prepare(
    `INSERT OR REPLACE INTO idempotency_keys (project_id, idem_key, body_hash, status, response, created_at)
     VALUES (@project_id, @idem_key, @body_hash, @status, @response, @created_at)`,
  ).run(row)
}

export function purgeIdempotencyBefore(db: Database, before: number): number {
  return db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?').run(before).changes
}
