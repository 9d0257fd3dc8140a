import type { Database } from 'better-sqlite3'

/**
 * Sessions: rotating refresh tokens in families. A family is one login;
 * revoking it (logout, or a spent refresh token used again) ends every token of it, access
 * tokens included (they carry the family id).
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE token_families (
      id TEXT PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER,
      revoked_reason TEXT
    ) WITHOUT ROWID;

    CREATE TABLE refresh_tokens (
      token_hash TEXT PRIMARY KEY,
      family_id TEXT NOT NULL REFERENCES token_families(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      used_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
  `)
}
