import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'
import { type KeyCounters, type KeyScope, type UsageRecord, USAGE_HISTORY } from '../types.js'


export interface ApiKeyRow {
  id: number
  project_id: number
  name: string
  key_prefix: string
  key_hash: string
  created_at: number
  revoked_at: number | null
  description: string | null
  is_active: number
  last_used: number | null
  usage_count: number
  success_count: number
  response_ms_total: number
  limits: string | null
  /** Comma-separated: ingest, read, panels. */
  scopes: string
  expires_at: number | null
}

/** A key joined with the owner of its project: what authentication needs. */
export interface ApiKeyAuthRow extends ApiKeyRow {
  account_id: number
}

export function insertApiKey(
  db: Database,
  k: {
    projectId: number
    name: string
    description: string | null
    prefix: string
    hash: string
    now: number
    scopes: string
    expiresAt: number | null
  },
): ApiKeyRow {
  return prepared<[number, string, string | null, string, string, number, string, number | null], ApiKeyRow>(
    db,
    `INSERT INTO api_keys (project_id, name, description, key_prefix, key_hash, created_at, scopes, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  ).get(k.projectId, k.name, k.description, k.prefix, k.hash, k.now, k.scopes, k.expiresAt)!
}

export function findApiKeyByHash(db: Database, hash: string): ApiKeyAuthRow | undefined {
  return prepared<[string], ApiKeyAuthRow>(
    db,
    `SELECT k.*, p.account_id FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE k.key_hash = ?`,
  ).get(hash)
}

export function findApiKeyById(db: Database, id: number): ApiKeyAuthRow | undefined {
  return prepared<[number], ApiKeyAuthRow>(
    db,
    `SELECT k.*, p.account_id FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE k.id = ?`,
  ).get(id)
}

export function revokeApiKey(db: Database, id: number, now: number): void {
  prepared(db, 'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id)
}

/** Keys of a project that are not revoked (disabled ones count). */
export function countUnrevokedKeys(db: Database, projectId: number): number {
  return prepared<[number], { n: number }>(
    db,
    'SELECT count(*) AS n FROM api_keys WHERE project_id = ? AND revoked_at IS NULL',
  ).get(projectId)!.n
}


function scopeWhere(scope: KeyScope): { where: string; param: number | null } {
  if (scope === 'all') return { where: '1 = 1 OR ? IS NULL', param: null }
  if ('accountId' in scope) return { where: 'p.account_id = ?', param: scope.accountId }
  return { where: 'k.project_id = ?', param: scope.projectId }
}

/** A page of keys, newest first, with the total. */
export function listApiKeys(
  db: Database,
  scope: KeyScope,
  limit: number,
  offset: number,
): { rows: ApiKeyAuthRow[]; total: number } {
  const { where, param } = scopeWhere(scope)
  const rows = prepared<[number | null, number, number], ApiKeyAuthRow>(
    db,
    `SELECT k.*, p.account_id FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE ${where}
     ORDER BY k.id DESC LIMIT ? OFFSET ?`,
  ).all(param, limit, offset)
  const total = prepared<[number | null], { n: number }>(
    db,
    `SELECT count(*) AS n FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE ${where}`,
  ).get(param)!.n
  return { rows, total }
}

export function updateApiKey(
  db: Database,
  id: number,
  f: { name?: string; description?: string | null; is_active?: boolean },
): void {
  prepared(
    db,
    `UPDATE api_keys SET name = coalesce(@name, name),
       description = CASE WHEN @setDescription THEN @description ELSE description END,
       is_active = coalesce(@isActive, is_active) WHERE id = @id`,
  ).run({
    id,
    name: f.name ?? null,
    setDescription: f.description !== undefined ? 1 : 0,
    description: f.description ?? null,
    isActive: f.is_active === undefined ? null : f.is_active ? 1 : 0,
  })
}

export function setApiKeyLimits(db: Database, id: number, limits: string | null): void {
  prepared(db, 'UPDATE api_keys SET limits = ? WHERE id = ?').run(limits, id)
}

/** Keys with custom limits (loaded into the rate limiter at start). */
export function keysWithLimits(db: Database): Array<{ id: number; limits: string }> {
  return prepared<[], { id: number; limits: string }>(
    db,
    'SELECT id, limits FROM api_keys WHERE limits IS NOT NULL AND revoked_at IS NULL',
  ).all()
}



/** Adds the in-memory counters and per-minute metrics of keys to their rows (one transaction). */
export function flushKeyCounters(
  db: Database,
  counters: readonly KeyCounters[],
  metrics: ReadonlyArray<{ keyId: number; minute: number; allowed: number; throttled: number }>,
): void {
  db.transaction(() => {
    const bump = prepared(
      db,
      `UPDATE api_keys SET usage_count = usage_count + ?, success_count = success_count + ?,
         response_ms_total = response_ms_total + ?, last_used = max(coalesce(last_used, 0), ?) WHERE id = ?`,
    )
    for (const c of counters) bump.run(c.calls, c.successes, c.responseMs, c.lastUsed, c.keyId)
    // Plain `?` parameters: better-sqlite3 takes numbered ones (`?1`) for named parameters and
    // refuses positional values for them ("Too many parameter values were provided").
    const upsert = prepared(
      db,
      `INSERT INTO api_key_metrics (key_id, minute, allowed, throttled)
       SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = ?)
       ON CONFLICT (key_id, minute) DO UPDATE SET allowed = allowed + excluded.allowed,
         throttled = throttled + excluded.throttled`,
    )
    for (const m of metrics) upsert.run(m.keyId, m.minute, m.allowed, m.throttled, m.keyId)
  })()
}

/**
 * Appends one key's latest calls to its history and drops what falls beyond the last
 * USAGE_HISTORY (one transaction). A key deleted meanwhile gets nothing.
 */
export function appendKeyUsage(db: Database, keyId: number, rows: readonly Omit<UsageRecord, 'key_id'>[]): void {
  db.transaction(() => {
    if (!prepared<[number], { id: number }>(db, 'SELECT id FROM api_keys WHERE id = ?').get(keyId)) return
    const insert = prepared(
      db,
      `INSERT INTO api_key_usage (key_id, endpoint, method, status_code, response_time, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    for (const u of rows) insert.run(keyId, u.endpoint, u.method, u.status_code, u.response_time, u.created_at)
    prepared(
      db,
      `DELETE FROM api_key_usage WHERE key_id = ? AND id <= coalesce(
         (SELECT id FROM api_key_usage WHERE key_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?), 0)`,
    ).run(keyId, keyId, USAGE_HISTORY)
  })()
}

export function recentUsage(db: Database, keyId: number, limit: number): Array<UsageRecord & { id: number }> {
  return prepared<[number, number], UsageRecord & { id: number }>(
    db,
    'SELECT * FROM api_key_usage WHERE key_id = ? ORDER BY id DESC LIMIT ?',
  ).all(keyId, limit)
}

export function metricsBetween(
  db: Database,
  keyId: number,
  fromMinute: number,
  toMinute: number,
): Array<{ minute: number; allowed: number; throttled: number }> {
  return prepared<[number, number, number], { minute: number; allowed: number; throttled: number }>(
    db,
    'SELECT minute, allowed, throttled FROM api_key_metrics WHERE key_id = ? AND minute >= ? AND minute < ? ORDER BY minute',
  ).all(keyId, fromMinute, toMinute)
}
