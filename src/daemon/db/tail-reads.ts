import type { Database } from 'better-sqlite3'
import type { SearchNode } from '../../contract/search-query.js'
import { toFts5, UnsearchableQueryError } from './log-reads.js'
import { COLUMNS, type LogRow } from './logs.js'
import { prepared } from './statements.js'

// The reads behind live tails that share one read per project (services/tail-hub.ts): the new
// logs of a project once, and, once per distinct full-text query, which of them match.

/**
 * Processed logs of a project with `after < id <= upTo`, in id order, at most `limit`. The id
 * range is the index (`+project_id`: never the project's index, which holds all its history).
 */
export function projectLogsInRange(db: Database, projectId: number, after: number, upTo: number, limit: number): LogRow[] {
  if (upTo <= after) return []
  return prepared<[number, number, number, number], LogRow>(
    db,
    `SELECT id, ${COLUMNS} FROM logs WHERE id > ? AND id <= ? AND +project_id = ? ORDER BY id LIMIT ?`,
  ).all(after, upTo, projectId, limit)
}

/**
 * The ids with `after < id <= upTo` whose text matches `search`, by FTS5 itself: the same
 * tokenizer and query as a log read, so a tail and `GET /logs` agree on every log.
 */
export function fulltextMatchesInRange(db: Database, search: SearchNode, after: number, upTo: number): Set<number> {
  if (upTo <= after) return new Set()
  try {
    // CASTs: FTS5 uses only integer rowid bounds (see searchLogs).
    const rows = prepared<[string, number, number], { id: number }>(
      db,
      `SELECT rowid AS id FROM logs_fts WHERE logs_fts MATCH ?
       AND rowid > CAST(? AS INTEGER) AND rowid <= CAST(? AS INTEGER)`,
    ).all(toFts5(search), after, upTo)
    return new Set(rows.map((r) => r.id))
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_ERROR' && /fts5|MATCH/i.test((err as Error).message)) {
      throw new UnsearchableQueryError((err as Error).message.replace(/^fts5:\s*/, ''))
    }
    throw err
  }
}

/** Checks that FTS5 takes `search` (over an empty range): a tail's query is refused before it streams. */
export function checkSearchable(db: Database, search: SearchNode): void {
  // Over the id 0, which no log has: an empty range would return before FTS5 sees the query.
  fulltextMatchesInRange(db, search, -1, 0)
}
