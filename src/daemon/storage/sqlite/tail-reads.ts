import type { Database } from 'better-sqlite3'
import type { SearchNode } from '../../../contract/search-query.js'
import { formatTimestamp } from '../../../shared/time.js'
import { processedIdsInRange } from './log-reads.js'
import { prepared } from './statements.js'
import type { LogFrame } from '../types.js'

// The reads behind live tails that share one read per project (services/tail-hub.ts): which
// of a project's new logs each distinct filter keeps is `processedIdsInRange` (the SQL of a log
// read, ids only); the logs themselves are read here, once for every tail, as the JSON a tail
// sends.


// The JSON of a log but its first four fields, made by SQLite: json_quote writes a text as
// JSON.stringify writes the string it reads back, and the attributes are stored as
// JSON.stringify wrote them, so they go in as they are. About half the cost of reading the row
// and writing its JSON here (test/services/log-json.test.ts checks both ways give one text).
const quoted = (c: string) => `json_quote(${c})`
const REST = `'"level":' || ${quoted('level')} || ',"log_type":' || ${quoted('log_type')} ||
  ',"importance":' || ${quoted('importance')} || ',"message":' || ${quoted('message')} ||
  ',"error_type":' || ${quoted('error_type')} || ',"error_message":' || ${quoted('error_message')} ||
  ',"stack_trace":' || ${quoted('stack_trace')} || ',"environment":' || ${quoted('environment')} ||
  ',"release":' || ${quoted('release')} || ',"sdk_version":' || ${quoted('sdk_version')} ||
  ',"platform":' || ${quoted('platform')} || ',"platform_version":' || ${quoted('platform_version')} ||
  ',"attributes":' || coalesce(attributes, 'null') || '}'`
const FRAME_COLUMNS = `id, project_id, timestamp, received_at, ${REST} AS rest`

interface FrameRow {
  id: number
  project_id: number
  timestamp: number
  received_at: number
  rest: string
}

/** Turns rows into frames; the logs of one request share their `received_at`, formatted once. */
function toFrames(rows: FrameRow[]): LogFrame[] {
  let receivedAt = Number.NaN
  let receivedText = ''
  return rows.map((r) => {
    if (r.received_at !== receivedAt) {
      receivedAt = r.received_at
      receivedText = formatTimestamp(receivedAt)
    }
    return {
      id: r.id,
      data:
        `{"id":${r.id},"project_id":${r.project_id},"timestamp":"${formatTimestamp(r.timestamp)}",` +
        `"received_at":"${receivedText}",${r.rest}`,
    }
  })
}

/**
 * Processed logs of a project with `after < id <= upTo`, as frames, in id order. The id range
 * is the index (`+project_id`: never the project's index, which holds all its history).
 */
export function projectFramesInRange(db: Database, projectId: number, after: number, upTo: number): LogFrame[] {
  if (upTo <= after) return []
  return toFrames(
    prepared<[number, number, number], FrameRow>(
      db,
      `SELECT ${FRAME_COLUMNS} FROM logs WHERE id > ? AND id <= ? AND +project_id = ? ORDER BY id`,
    ).all(after, upTo, projectId),
  )
}

/** The logs with these ids (ascending), as frames, in id order. */
export function framesByIds(db: Database, ids: readonly number[]): LogFrame[] {
  if (ids.length === 0) return []
  return toFrames(
    prepared<[string], FrameRow>(
      db,
      `SELECT ${FRAME_COLUMNS} FROM logs WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ).all(JSON.stringify(ids)),
  )
}

/**
 * Checks that FTS5 takes `search` (throws UnsearchableQueryError otherwise), so that a tail's
 * query is refused before it streams: over the id 0, which no log has.
 */
export function checkSearchable(db: Database, search: SearchNode): void {
  processedIdsInRange(db, { projectId: 0, search }, -1, 0)
}
