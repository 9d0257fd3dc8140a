import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'

/** Logs accepted for a project on a UTC day (day = floor(ms / 86400000)). */
export function quotaUsed(db: Database, projectId: number, day: number): number {
  return (
    prepared<[number, number], { count: number }>(
      db,
      'SELECT count FROM quota_usage WHERE project_id = ? AND day = ?',
    ).get(projectId, day)?.count ?? 0
  )
}

export function addQuotaUsage(db: Database, projectId: number, day: number, n: number): void {
  prepared(
    db,
    `INSERT INTO quota_usage (project_id, day, count) VALUES (?, ?, ?)
     ON CONFLICT (project_id, day) DO UPDATE SET count = count + excluded.count`,
  ).run(projectId, day, n)
}

export function purgeQuotaUsageBefore(db: Database, day: number): number {
  return prepared(db, 'DELETE FROM quota_usage WHERE day < ?').run(day).changes
}

export interface IdempotencyRow {
  project_id: number
  idem_key: string
  body_hash: string
  status: number
  response: string
  created_at: number
  /** The largest log id the request stored (null: stored nothing, or recorded before 008). */
  last_log_id: number | null
}

export function findIdempotency(db: Database, projectId: number, key: string): IdempotencyRow | undefined {
  return prepared<[number, string], IdempotencyRow>(
    db,
    'SELECT * FROM idempotency_keys WHERE project_id = ? AND idem_key = ?',
  ).get(projectId, key)
}

export function insertIdempotency(db: Database, row: IdempotencyRow): void {
  prepared(
    db,
    `INSERT OR REPLACE INTO idempotency_keys (project_id, idem_key, body_hash, status, response, created_at, last_log_id)
     VALUES (@project_id, @idem_key, @body_hash, @status, @response, @created_at, @last_log_id)`,
  ).run(row)
}

export function purgeIdempotencyBefore(db: Database, before: number): number {
  return prepared(db, 'DELETE FROM idempotency_keys WHERE created_at < ?').run(before).changes
}
