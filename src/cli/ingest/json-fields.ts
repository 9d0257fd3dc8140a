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
} as const
type SlotName = keyof typeof SLOT
export const SLOT_COUNT = 15

/**
 * JSON keys (compared as written, then lower-cased) and the Ledger field each fills. When a
 * line has several keys for one field, the one listed first wins and the others are kept as
 * attributes. pino/bunyan, winston, logrus/zap/zerolog, Serilog CLEF (`@t @l @m @x`), ECS and
 * OpenTelemetry dotted names, Python's json logger, Docker's json-file driver (`log`).
 */
export const JSON_KEYS: ReadonlyArray<readonly [SlotName, readonly string[]]> = [
  [
    'level',
    ['level', 'severity', 'lvl', 'loglevel', 'log_level', 'log.level', 'levelname', '@l', 'severity_text', 'severitytext'],
  ],
  ['message', ['message', 'msg', '@m', 'renderedmessage', 'log', '@mt', 'messagetemplate']],
  ['timestamp', ['timestamp', 'time', 'ts', '@timestamp', '@t', 'datetime', 'asctime']],
  ['error', ['error', 'err', 'exception', 'exc']],
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
]

/** A key's field and rank (lower wins), packed as `slot * 64 + rank`; -1 for an attribute. */
export const KEY_CODES: ReadonlyMap<string, number> = new Map(
  JSON_KEYS.flatMap(([slot, names]) => names.map((n, rank): [string, number] => [n, SLOT[slot] * 64 + rank])),
)
/** How many distinct keys a mapper remembers the code of (logs repeat their keys). */
export const KEY_CACHE_MAX = 10_000

export const SHORT_SLOTS = [
  ['environment', SLOT.environment],
  ['release', SLOT.release],
  ['sdk_version', SLOT.sdk_version],
  ['platform', SLOT.platform],
  ['platform_version', SLOT.platform_version],
] as const

/** A field value as text: strings as they are, numbers and booleans printed, the rest as JSON. */
export function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value)
}
