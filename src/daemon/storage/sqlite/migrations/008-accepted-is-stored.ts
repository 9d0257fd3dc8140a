import type { Database } from 'better-sqlite3'

/**
 * Accepted logs are written straight into `logs` (with their per-minute counts) by the accepting
 * commit; "queued" becomes "not yet in the full-text index" (a watermark in fulltext.db), so no
 * log is copied and deleted any more. The queue's remaining logs move into `logs` here, and ids
 * keep growing from wherever they were: `log_ids` holds the largest id ever given, so that an
 * emptied table (retention) never hands an id out again.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE log_ids (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      last INTEGER NOT NULL
    );
    INSERT INTO log_ids (id, last) VALUES (1, max(
      coalesce((SELECT max(id) FROM logs), 0),
      coalesce((SELECT max(id) FROM log_queue), 0),
      coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'log_queue'), 0)
    ));
    INSERT INTO logs (id, project_id, received_at, timestamp, level, log_type, importance, message,
      error_type, error_message, stack_trace, environment, release, sdk_version, platform,
      platform_version, attributes)
    SELECT id, project_id, received_at, timestamp, level, log_type, importance, message,
      error_type, error_message, stack_trace, environment, release, sdk_version, platform,
      platform_version, attributes
    FROM log_queue ORDER BY id;
    INSERT INTO log_minutes (project_id, minute, level, count)
    SELECT project_id, timestamp / 60000, level, count(*) FROM log_queue WHERE true
    GROUP BY project_id, timestamp / 60000, level
    ON CONFLICT (project_id, minute, level) DO UPDATE SET count = count + excluded.count;
    DROP TABLE log_queue;
  `)
}
