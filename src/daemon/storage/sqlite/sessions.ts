import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'
import type { RefreshTokenRecord } from '../types.js'

export type RefreshTokenRow = RefreshTokenRecord


export function insertFamily(db: Database, id: string, accountId: number, now: number): void {
  prepared(db, 'INSERT INTO token_families (id, account_id, created_at) VALUES (?, ?, ?)').run(id, accountId, now)
}

export function insertRefreshToken(db: Database, hash: string, familyId: string, now: number, expiresAt: number): void {
  prepared(db, 'INSERT INTO refresh_tokens (token_hash, family_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(
    hash,
    familyId,
    now,
    expiresAt,
  )
}

export function findRefreshToken(db: Database, hash: string): RefreshTokenRow | undefined {
  return prepared<[string], RefreshTokenRow>(
    db,
    `SELECT r.*, f.account_id, f.revoked_at AS family_revoked_at
     FROM refresh_tokens r JOIN token_families f ON f.id = r.family_id WHERE r.token_hash = ?`,
  ).get(hash)
}

/** Marks a refresh token spent; false if it already was (a concurrent use). */
export function spendRefreshToken(db: Database, hash: string, now: number): boolean {
  return prepared(db, 'UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL').run(now, hash).changes === 1
}

export function revokeFamily(db: Database, id: string, now: number, reason: string): void {
  prepared(db, 'UPDATE token_families SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL').run(
    now,
    reason,
    id,
  )
}

export function isFamilyRevoked(db: Database, id: string): boolean {
  const row = prepared<[string], { revoked_at: number | null }>(db, 'SELECT revoked_at FROM token_families WHERE id = ?').get(id)
  return !row || row.revoked_at !== null
}

/** Drops refresh tokens past their expiry (their families stay, for the record). */
export function purgeExpiredRefreshTokens(db: Database, now: number): number {
  return prepared(db, 'DELETE FROM refresh_tokens WHERE expires_at < ?').run(now).changes
}
