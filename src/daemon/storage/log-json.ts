import { ENUM_FIELDS, TEXT_FIELDS } from '../../contract/log-fields.js'
import { formatTimestamp } from '../../shared/time.js'
import type { LogRecord } from './types.js'

// Engine-neutral: what every engine's tail frames are made of (services/logs.ts re-exports it).

/**
 * `JSON.stringify(toLog(row))`, written directly: the attributes are stored as JSON.stringify
 * wrote them, so their text goes in as it is instead of being parsed and written again. Live
 * tails send every log to every tail that wants it, and this is most of what a log costs them.
 */
export function logJson(row: LogRecord): string {
  let out =
    `{"id":${row.id},"project_id":${row.project_id},"timestamp":"${formatTimestamp(row.timestamp)}",` +
    `"received_at":"${formatTimestamp(row.received_at)}"`
  for (const f of ENUM_FIELDS) out += `,"${f.name}":${JSON.stringify(row[f.name])}`
  for (const f of TEXT_FIELDS) {
    const v = row[f.name]
    out += `,"${f.name}":${v === null ? 'null' : JSON.stringify(v)}`
  }
  return `${out},"attributes":${row.attributes ?? 'null'}}`
}
