import type { Database } from 'better-sqlite3'

/** Accounts, projects, keys, panels, the ingestion queue and the stored logs. */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE accounts (
      id INTEGER PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );

    CREATE TABLE projects (
      id INTEGER PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      slug TEXT NOT NULL,
      environment TEXT NOT NULL,
      retention_days INTEGER NOT NULL DEFAULT 30,
      daily_quota INTEGER NOT NULL DEFAULT 1000000,
      created_at INTEGER NOT NULL,
      UNIQUE (account_id, slug)
    );

    CREATE TABLE api_keys (
      id INTEGER PRIMARY KEY,
      project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      key_prefix TEXT NOT NULL,
      key_hash TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER
    );
    CREATE INDEX api_keys_project ON api_keys(project_id);

    -- Access tokens revoked before their expiry (logout), by jti.
    CREATE TABLE revoked_tokens (
      jti TEXT PRIMARY KEY,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE panels (
      id TEXT PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      idx INTEGER NOT NULL,
      project_ref TEXT NOT NULL,
      time_range_from INTEGER NOT NULL,
      time_range_to INTEGER NOT NULL,
      type TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX panels_account ON panels(account_id, idx);

    -- Accepted logs waiting for the worker. Plain table, no secondary index: accepting is the
    -- hot path, and the worker reads it in id order. AUTOINCREMENT: an emptied queue must never
    -- hand out an id again, since processed logs keep their queue id.
    CREATE TABLE log_queue (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      project_id INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      timestamp INTEGER NOT NULL,
      level TEXT NOT NULL,
      log_type TEXT NOT NULL,
      importance TEXT NOT NULL,
      message TEXT,
      error_type TEXT,
      error_message TEXT,
      stack_trace TEXT,
      environment TEXT,
      release TEXT,
      sdk_version TEXT,
      platform TEXT,
      platform_version TEXT,
      attributes TEXT
    );

    -- Processed logs; ids are the queue ids, so a log keeps its id from accept to read.
    CREATE TABLE logs (
      id INTEGER PRIMARY KEY,
      project_id INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      timestamp INTEGER NOT NULL,
      level TEXT NOT NULL,
      log_type TEXT NOT NULL,
      importance TEXT NOT NULL,
      message TEXT,
      error_type TEXT,
      error_message TEXT,
      stack_trace TEXT,
      environment TEXT,
      release TEXT,
      sdk_version TEXT,
      platform TEXT,
      platform_version TEXT,
      attributes TEXT
    );
    CREATE INDEX logs_project_time ON logs(project_id, timestamp, id);
    CREATE INDEX logs_project_level_time ON logs(project_id, level, timestamp);
  `)
}
