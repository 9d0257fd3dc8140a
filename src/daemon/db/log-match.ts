import type { StoredLogFilter } from './log-reads.js'
import type { LogRow } from './logs.js'

// The filters of log-reads.ts's `conditions()`, evaluated on a row in memory, for live tails
// that share one read of a project's new logs. Every rule below is the SQL one, written again;
// test/db/log-match.test.ts runs both on random logs and filters and requires the same answers.
// Full text is not here: FTS5's tokenizer decides what a word is, so `q` is evaluated by FTS5
// itself, once per distinct query and id range (see tail-reads.ts).

/** A stored log's attributes, parsed once however many filters look at them. */
export interface MatchableRow {
  readonly row: LogRow
  /** `JSON.parse(row.attributes)`, computed on first use. */
  attributes(): unknown
}

/** Wraps a row so that its attributes are parsed at most once. */
export function matchable(row: LogRow): MatchableRow {
  let parsed: unknown
  let done = false
  return {
    row,
    attributes() {
      if (!done) {
        parsed = row.attributes === null ? undefined : JSON.parse(row.attributes)
        done = true
      }
      return parsed
    },
  }
}

/** A filter (everything but `search`) compiled into a predicate on rows of its project. */
export function compileFilter(f: StoredLogFilter): (r: MatchableRow) => boolean {
  const levels = f.levels && f.levels.length > 0 ? new Set(f.levels.map(sqlText)) : undefined
  const logTypes = f.logTypes && f.logTypes.length > 0 ? new Set(f.logTypes.map(sqlText)) : undefined
  const environment = f.environment === undefined ? undefined : sqlText(f.environment)
  const release = f.release === undefined ? undefined : sqlText(f.release)
  const attrs = (f.attr ?? []).map((a) => ({ paths: attrPaths(a.key), value: sqlText(a.value) }))
  const { projectId, from, to } = f
  return ({ row, attributes }) => {
    if (row.project_id !== projectId) return false
    if (levels && !levels.has(row.level)) return false
    if (logTypes && !logTypes.has(row.log_type)) return false
    // `column = value` is never true for a NULL column.
    if (environment !== undefined && row.environment !== environment) return false
    if (release !== undefined && row.release !== release) return false
    if (from !== undefined && !(row.timestamp >= from)) return false
    if (to !== undefined && !(row.timestamp <= to)) return false
    if (attrs.length > 0) {
      const a = attributes()
      for (const { paths, value } of attrs) {
        if (!paths.some((p) => attrEquals(valueAt(a, p), value))) return false
      }
    }
    return true
  }
}

/**
 * The SQL's paths for `attr.KEY`: the key as one top-level name (`$."a.b"`), and, when it has
 * dots between non-empty parts, the nested path too (`$."a"."b"`).
 */
function attrPaths(key: string): string[][] {
  const paths = [[key]]
  const segments = key.split('.')
  if (segments.length > 1 && segments.every((s) => s.length > 0)) paths.push(segments)
  return paths
}

/** What `$."a"."b"` selects: object members only (a name never selects an array element). */
function valueAt(root: unknown, path: readonly string[]): unknown {
  let v = root
  for (const name of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, name)) return undefined
    v = (v as Record<string, unknown>)[name]
  }
  return v
}

/**
 * `attributes ->> path = value OR attributes -> path = value`: `->>` gives a string as its text
 * (numbers and booleans as SQL numbers, never equal to a text; objects and arrays as JSON), `->`
 * the JSON text of any value (`42`, `true`, `null`, `"quoted"`). Attributes are stored as
 * JSON.stringify wrote them, and SQLite gives back a value's own text, so JSON.stringify of the
 * parsed value is that text.
 */
function attrEquals(v: unknown, value: string): boolean {
  if (v === undefined) return false
  if (typeof v === 'string' && v === value) return true
  return JSON.stringify(v) === value
}

/**
 * A string as a stored column reads back: better-sqlite3 writes a lone surrogate (which UTF-8
 * cannot hold) as its 3-byte form, and reads those bytes back as three U+FFFD. A filter value
 * is bound the same way, so SQL compares like with like; here the value is converted instead.
 */
function sqlText(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd\ufffd\ufffd')
}
