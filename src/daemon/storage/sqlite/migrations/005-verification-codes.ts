import type { Database } from 'better-sqlite3'

/** Email one-time codes: one live code per email, stored as an HMAC. */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE verification_codes (
      email TEXT PRIMARY KEY,
      code_hmac TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
  `)
}
