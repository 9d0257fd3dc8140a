import type { Database } from 'better-sqlite3'

/**
 * An idempotency record keeps the largest log id its request stored, so that a replayed answer
 * carries the original's `Ledger-Last-Log-Id` (`ledger ingest --wait` waits for it). Records
 * written before have none.
 */
export function up(db: Database): void {
  db.exec('ALTER TABLE idempotency_keys ADD COLUMN last_log_id INTEGER')
}
