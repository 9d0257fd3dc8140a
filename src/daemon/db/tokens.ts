import type { Database } from 'better-sqlite3'

export function insertRevokedToken(db: Database, jti: string, expiresAt: number): void {
  db.prepare('INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)').run(jti, expiresAt)
}

export function isTokenRevoked(db: Database, jti: string): boolean {
  return (
    db.prepare<[string], { one: number }>('SELECT 1 AS one FROM revoked_tokens WHERE jti = ?').get(jti) !==
    undefined
  )
}

/** Drops denylist entries whose tokens have expired anyway. */
export function purgeExpiredRevokedTokens(db: Database, now: number): number {
  return db.prepare('DELETE FROM revoked_tokens WHERE expires_at < ?').run(now).changes
}
