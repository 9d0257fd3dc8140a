import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'

export interface ApiKeyRow {
  id: number
  project_id: number
  name: string
  key_prefix: string
  key_hash: string
  created_at: number
  revoked_at: number | null
}

/** A key joined with the owner of its project: what authentication needs. */
export interface ApiKeyAuthRow extends ApiKeyRow {
  account_id: number
}

export function insertApiKey(
  db: Database,
  k: { projectId: number; name: string; prefix: string; hash: string; now: number },
): ApiKeyRow {
  return prepared<[number, string, string, string, number], ApiKeyRow>(
    db,
    `INSERT INTO api_keys (project_id, name, key_prefix, key_hash, created_at)
       VALUES (?, ?, ?, ?, ?) RETURNING *`,
  ).get(k.projectId, k.name, k.prefix, k.hash, k.now)!
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
