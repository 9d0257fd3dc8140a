import type { Database } from 'better-sqlite3'

/** API key scopes and expiry. Existing keys keep every scope and never expire. */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'ingest,read,panels';
    ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
  `)
}
