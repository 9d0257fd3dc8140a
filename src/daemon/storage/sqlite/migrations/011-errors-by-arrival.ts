import type { Database } from 'better-sqlite3'

/**
 * `ledger top`'s recent errors are the latest to arrive (a back-dated burst still shows), read
 * newest id first per project. A partial index of error and critical logs only: the rows of
 * other levels, the bulk of a log stream, cost it nothing at insert.
 */
export function up(db: Database): void {
  db.exec(`CREATE INDEX logs_errors_arrival ON logs(project_id, id) WHERE level IN ('error', 'critical')`)
}
