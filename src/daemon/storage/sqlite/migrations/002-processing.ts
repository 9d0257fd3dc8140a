import type { Database } from 'better-sqlite3'

/**
 * What the worker builds after the 202 (full-text index, per-minute aggregates), plus the
 * daily quota counters and the idempotency records that are written with accepted logs.
 */
export function up(db: Database): void {
  db.exec(`
    -- Contentless: the text lives in logs; contentless_delete lets retention delete by rowid.
    CREATE VIRTUAL TABLE logs_fts USING fts5(
      message, error_type, error_message, stack_trace,
      content = '', contentless_delete = 1, tokenize = 'unicode61'
    );

    -- Logs per project, minute (of the log's timestamp) and level: panels and ledger top.
    CREATE TABLE log_minutes (
      project_id INTEGER NOT NULL,
      minute INTEGER NOT NULL,
      level TEXT NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (project_id, minute, level)
    ) WITHOUT ROWID;

    -- Logs accepted per project and UTC day, written in the same transaction as the logs.
    CREATE TABLE quota_usage (
      project_id INTEGER NOT NULL,
      day INTEGER NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (project_id, day)
    ) WITHOUT ROWID;

    -- Responses of ingestion requests sent with an Idempotency-Key, kept 24 hours.
    CREATE TABLE idempotency_keys (
      project_id INTEGER NOT NULL,
      idem_key TEXT NOT NULL,
      body_hash TEXT NOT NULL,
      status INTEGER NOT NULL,
      response TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (project_id, idem_key)
    ) WITHOUT ROWID;
    CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
  `)
}
