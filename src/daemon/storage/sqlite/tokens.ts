import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'

export function insertRevokedToken(db: Database, jti: string, expiresAt: number): void {
  prepared(db, 'INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)').run(jti, expiresAt)
}

export function isTokenRevoked(db: Database, jti: string): boolean {
  return (
    prepared<[string], { one: number }>(db, 'SELECT 1 AS one FROM revoked_tokens WHERE jti = ?').get(jti) !==
    undefined
  )
}

/** Drops denylist entries whose tokens have expired anyway. */
export function purgeExpiredRevokedTokens(db: Database, now: number): number {
  return prepared(db, 'DELETE FROM revoked_tokens WHERE expires_at < ?').run(now).changes
}
