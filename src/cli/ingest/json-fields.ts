/** Which Ledger field each key of a JSON log line fills. */

/** The Ledger field a JSON key fills; the numbers index per-line arrays (no allocation). */
export const SLOT = {
  level: 0,
  message: 1,
  timestamp: 2,
  error: 3,
  error_type: 4,
  error_message: 5,
  stack_trace: 6,
  log_type: 7,
  importance: 8,
  environment: 9,
  release: 10,
  sdk_version: 11,
  platform: 12,
  platform_version: 13,
  attributes: 14,
  /** OpenTelemetry's `severity_number` (1-24): the level when no level key names one. */
  severity_number: 15,
} as const
type SlotName = keyof typeof SLOT
export const SLOT_COUNT = 16

/**
 * JSON keys (compared as written, then lower-cased) and the Ledger field each fills. When a
 * line has several keys for one field, the one listed first wins and the others are kept as
 * attributes. pino/bunyan, winston, logrus/zap/zerolog/slog, Serilog CLEF (`@t @l @m @x`), ECS
 * and OpenTelemetry names (`body`, `severityText`, `timeUnixNano`), structlog (`event`), Python's
 * json logger, log4j2's JSON layout (`instant`, `thrown`), Docker's json-file driver (`log`).
 */
export const JSON_KEYS: ReadonlyArray<readonly [SlotName, readonly string[]]> = [
  [
    'level',
    [
      'level',
      'severity',
      'lvl',
      'loglevel',
      'log_level',
      'log.level',
      'levelname',
      '@l',
      'severity_text',
      'severitytext',
      'logging.googleapis.com/severity',
    ],
  ],
  ['message', ['message', 'msg', '@m', 'renderedmessage', 'log', '@mt', 'messagetemplate', 'body', 'event']],
  [
    'timestamp',
    ['timestamp', 'time', 'ts', '@timestamp', '@t', 'datetime', 'asctime', 'timeunixnano', 'instant', 'observedtimeunixnano'],
  ],
  ['error', ['error', 'err', 'exception', 'exc', 'thrown']],
  ['error_type', ['error_type', 'error.type', 'error.kind', 'error.name', 'exception.type', 'exc_type']],
  ['error_message', ['error_message', 'error.message', 'exception.message', 'exc_message']],
  [
    'stack_trace',
    [
      'stack_trace',
      'stacktrace',
      'stack',
      'error.stack',
      'error.stack_trace',
      'exception.stacktrace',
      'exception.stack_trace',
      'exc_info',
      '@x',
    ],
  ],
  ['log_type', ['log_type']],
  ['importance', ['importance']],
  ['environment', ['environment']],
  ['release', ['release']],
  ['sdk_version', ['sdk_version']],
  ['platform', ['platform']],
  ['platform_version', ['platform_version']],
  ['attributes', ['attributes']],
  ['severity_number', ['severity_number', 'severitynumber']],
]

/** A key's field and rank (lower wins), packed as `slot * 64 + rank`; -1 for an attribute. */
export const KEY_CODES: ReadonlyMap<string, number> = new Map(
  JSON_KEYS.flatMap(([slot, names]) => names.map((n, rank): [string, number] => [n, SLOT[slot] * 64 + rank])),
)
/** How many distinct keys a mapper remembers the code of (logs repeat their keys). */
export const KEY_CACHE_MAX = 10_000

/** Message keys whose value is a message only when it is not an object (ECS `log`, `event`). */
export const MESSAGE_IF_SCALAR: ReadonlySet<string> = new Set(['log', 'event'])

export const SHORT_SLOTS = [
  ['environment', SLOT.environment],
  ['release', SLOT.release],
  ['sdk_version', SLOT.sdk_version],
  ['platform', SLOT.platform],
  ['platform_version', SLOT.platform_version],
] as const

/** Google Cloud Logging's special keys (`logging.googleapis.com/…`): the attribute each becomes. */
export const GCP_PREFIX = 'logging.googleapis.com/'
const GCP_KEYS: ReadonlyMap<string, string> = new Map([
  ['trace', 'trace_id'],
  ['spanId', 'span_id'],
  ['trace_sampled', 'trace_sampled'],
  ['traceSampled', 'trace_sampled'],
  ['sourceLocation', 'source_location'],
  ['insertId', 'insert_id'],
  ['operation', 'operation'],
])

/**
 * Puts a Google Cloud special key's value in `attrs`: `…/trace` as `trace_id` (the id out of
 * `projects/P/traces/ID`), `…/spanId` as `span_id`, `…/labels` merged into the attributes,
 * `…/sourceLocation` as `source_location`, any other under its name without the prefix.
 */
export function putGcpKey(attrs: Record<string, unknown>, key: string, value: unknown): void {
  const name = key.slice(GCP_PREFIX.length)
  if (name === 'labels' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (k !== '__proto__') attrs[k] = v
    return
  }
  if (name === 'trace' && typeof value === 'string') {
    const i = value.lastIndexOf('/traces/')
    attrs['trace_id'] = i >= 0 ? value.slice(i + 8) : value
    return
  }
  attrs[GCP_KEYS.get(name) ?? name] = value
}

/** A field value as text: strings as they are, numbers and booleans printed, the rest as JSON. */
export function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value)
}
