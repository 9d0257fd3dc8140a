import type { Database } from 'better-sqlite3'

/**
 * Wrong one-time-code guesses, one row each, per email: the budget of guesses per hour and per
 * day is counted here, in the database, so that neither a new code nor a restart resets it.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE verification_failures (
      email TEXT NOT NULL,
      at INTEGER NOT NULL
    );
    CREATE INDEX verification_failures_email_at ON verification_failures (email, at);
    CREATE INDEX verification_failures_at ON verification_failures (at);
  `)
}
