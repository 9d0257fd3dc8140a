import type { Database } from 'better-sqlite3'

/** API key management: details, state, custom limits, usage and metrics. */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE api_keys ADD COLUMN description TEXT;
    ALTER TABLE api_keys ADD COLUMN is_active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE api_keys ADD COLUMN last_used INTEGER;
    ALTER TABLE api_keys ADD COLUMN usage_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE api_keys ADD COLUMN success_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE api_keys ADD COLUMN response_ms_total REAL NOT NULL DEFAULT 0;
    -- Custom limits as JSON ({algorithm, tokens_per_second, burst_capacity}); NULL = defaults.
    ALTER TABLE api_keys ADD COLUMN limits TEXT;

    -- The latest calls made with each key (bounded: older rows are pruned on flush).
    CREATE TABLE api_key_usage (
      id INTEGER PRIMARY KEY,
      key_id INTEGER NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
      endpoint TEXT NOT NULL,
      method TEXT NOT NULL,
      status_code INTEGER NOT NULL,
      response_time REAL NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX api_key_usage_key ON api_key_usage(key_id, id);

    -- Rate-limit decisions per key and minute.
    CREATE TABLE api_key_metrics (
      key_id INTEGER NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
      minute INTEGER NOT NULL,
      allowed INTEGER NOT NULL DEFAULT 0,
      throttled INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (key_id, minute)
    ) WITHOUT ROWID;
  `)
}
