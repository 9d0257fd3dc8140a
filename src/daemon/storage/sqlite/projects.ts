import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'
import type { ProjectRecord, ProjectSettings } from '../types.js'

export type ProjectRow = ProjectRecord
export type { ProjectSettings }


export function insertProject(
  db: Database,
  p: { accountId: number; name: string; slug: string; environment: string; now: number },
): ProjectRow {
  return prepared<[number, string, string, string, number], ProjectRow>(
    db,
    `INSERT INTO projects (account_id, name, slug, environment, created_at)
       VALUES (?, ?, ?, ?, ?) RETURNING *`,
  ).get(p.accountId, p.name, p.slug, p.environment, p.now)!
}

export function findProjectBySlug(db: Database, accountId: number, slug: string): ProjectRow | undefined {
  return prepared<[number, string], ProjectRow>(
    db,
    'SELECT * FROM projects WHERE account_id = ? AND slug = ?',
  ).get(accountId, slug)
}

export function findProjectById(db: Database, id: number): ProjectRow | undefined {
  return prepared<[number], ProjectRow>(db, 'SELECT * FROM projects WHERE id = ?').get(id)
}

export function listProjects(db: Database, accountId: number): ProjectRow[] {
  return prepared<[number], ProjectRow>(db, 'SELECT * FROM projects WHERE account_id = ? ORDER BY id').all(
    accountId,
  )
}

export function countProjects(db: Database, accountId: number): number {
  return prepared<[number], { n: number }>(db, 'SELECT count(*) AS n FROM projects WHERE account_id = ?').get(accountId)!.n
}

export function listAllProjects(db: Database): ProjectRow[] {
  return prepared<[], ProjectRow>(db, 'SELECT * FROM projects ORDER BY id').all()
}


export function updateProject(db: Database, id: number, s: ProjectSettings): ProjectRow {
  return prepared<[Record<string, unknown>], ProjectRow>(
    db,
    `UPDATE projects SET name = coalesce(@name, name), environment = coalesce(@environment, environment),
         retention_days = coalesce(@retention_days, retention_days), daily_quota = coalesce(@daily_quota, daily_quota)
       WHERE id = @id RETURNING *`,
  ).get({
    id,
    name: s.name ?? null,
    environment: s.environment ?? null,
    retention_days: s.retention_days ?? null,
    daily_quota: s.daily_quota ?? null,
  })!
}

/** Ids of a project's logs up to `maxId`, in id order (the full-text entries to remove). */
export function projectLogIds(db: Database, projectId: number, maxId = Number.MAX_SAFE_INTEGER): number[] {
  return prepared<[number, number], { id: number }>(db, 'SELECT id FROM logs WHERE project_id = ? AND id <= ? ORDER BY id')
    .all(projectId, maxId)
    .map((r) => r.id)
}

/**
 * Deletes a project's rows from every table of ledger.db (call inside a transaction): its logs,
 * their per-minute counts, quota and idempotency records, its API keys (their usage and metrics
 * go with them, ON DELETE CASCADE), the account's panels that name it (by slug or id), then the
 * project itself. Returns the ids of the keys and of the logs that went.
 */
export function deleteProjectRows(db: Database, project: ProjectRow): { keyIds: number[]; logIds: number[] } {
  const id = project.id
  const logIds = projectLogIds(db, id)
  prepared<[number]>(db, 'DELETE FROM logs WHERE project_id = ?').run(id)
  prepared<[number]>(db, 'DELETE FROM log_minutes WHERE project_id = ?').run(id)
  prepared<[number]>(db, 'DELETE FROM quota_usage WHERE project_id = ?').run(id)
  prepared<[number]>(db, 'DELETE FROM idempotency_keys WHERE project_id = ?').run(id)
  const keyIds = prepared<[number], { id: number }>(db, 'DELETE FROM api_keys WHERE project_id = ? RETURNING id')
    .all(id)
    .map((r) => r.id)
  prepared<[number, string, string]>(db, 'DELETE FROM panels WHERE account_id = ? AND project_ref IN (?, ?)').run(
    project.account_id,
    project.slug,
    String(id),
  )
  prepared<[number]>(db, 'DELETE FROM projects WHERE id = ?').run(id)
  return { keyIds, logIds }
}
