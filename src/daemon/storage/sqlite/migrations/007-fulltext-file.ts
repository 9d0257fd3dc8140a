import type { Database } from 'better-sqlite3'

/**
 * The full-text index moves to a file of its own (see db/fulltext.ts), rebuilt there from
 * `logs`. The database gets an instance id, so that an index file is only used with the
 * database it was built from.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE instance (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      uuid TEXT NOT NULL
    );
    INSERT INTO instance (id, uuid) VALUES (1, lower(hex(randomblob(16))));
    DROP TABLE IF EXISTS logs_fts;
  `)
}
