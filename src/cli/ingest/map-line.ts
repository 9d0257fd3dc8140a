import { IMPORTANCES, LOG_LIMITS, LOG_TYPES, type Level, type LogInput } from '../../contract/ingest.js'
import { detectLevel, normalizeLevel } from './levels.js'
import { IsoClock, logTimeIso } from './timestamps.js'
import { needsSanitizing, sanitize } from './safe-json.js'
import { serializeAttributes, truncateText } from './truncate.js'

export type LogType = (typeof LOG_TYPES)[number]
export type Importance = (typeof IMPORTANCES)[number]

/** What the flags of `ledger ingest` set for every line. */
export interface MapOptions {
  /** The level of a line that names none (default `info`). */
  level?: Level
  logType?: LogType
  importance?: Importance
  environment?: string
  release?: string
  /** `--attr key=value`: attributes of every line (a line's own attributes win). */
  attributes?: Record<string, string>
}

/** The Ledger field a JSON key fills; the numbers index per-line arrays (no allocation). */
const SLOT = {
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
const SLOT_COUNT = 15

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
const KEY_CODES: ReadonlyMap<string, number> = new Map(
  JSON_KEYS.flatMap(([slot, names]) => names.map((n, rank): [string, number] => [n, SLOT[slot] * 64 + rank])),
)
/** How many distinct keys a mapper remembers the code of (logs repeat their keys). */
const KEY_CACHE_MAX = 10_000

const SHORT_SLOTS = [
  ['environment', SLOT.environment],
  ['release', SLOT.release],
  ['sdk_version', SLOT.sdk_version],
  ['platform', SLOT.platform],
  ['platform_version', SLOT.platform_version],
] as const
const LOG_TYPE_SET: ReadonlySet<string> = new Set(LOG_TYPES)
const IMPORTANCE_SET: ReadonlySet<string> = new Set(IMPORTANCES)
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g
/** `TypeError: boom`, `java.io.IOException: gone`, `Foo::BarError`, `KeyboardInterrupt` alone. */
const ERROR_HEAD = /^([A-Za-z_$][\w$]*(?:(?:\.|::)[A-Za-z_$][\w$]*)*)(?::\s?(.*))?$/
const ERROR_NAME = /(?:Error|Exception|Interrupt|Exit|Fault|Failure|Panic)$/

/** Error fields found in a line. */
interface ErrorFields {
  type: string | null
  message: string | null
  stack: string | null
}

/**
 * Maps input lines onto Ledger logs, serialised as JSON ready for a batch body. A line that is
 * a JSON object has its fields mapped (see `JSON_KEYS`) and everything else kept in
 * `attributes`; any other line becomes the `message`, its level detected from its prefix.
 * Values too long for the API are cut with a marker; nothing makes a line invalid. The line's
 * own fields win over the flags. Empty (blank) lines give null.
 */
export class LineMapper {
  /** Whether the last mapped line had a value cut to fit. */
  lastTruncated = false
  private readonly clock = new IsoClock()
  private readonly level: Level
  private readonly flagAttributes: Record<string, string> | null
  private readonly flagShort: ReadonlyArray<string | null>
  /** `,"environment":…,"release":…,"attributes":…` of the flags, for plain lines. */
  private readonly plainTail: string
  private readonly keyCache = new Map<string, number>()
  // Per-line state, reused: the winning key, value and rank of each field.
  private readonly slotKey: string[] = new Array<string>(SLOT_COUNT).fill('')
  private readonly slotValue: unknown[] = new Array<unknown>(SLOT_COUNT).fill(undefined)
  private readonly slotRank: number[] = new Array<number>(SLOT_COUNT).fill(-1)

  constructor(private readonly options: MapOptions = {}) {
    this.level = options.level ?? 'info'
    const short: Array<string | null> = new Array<string | null>(SLOT_COUNT).fill(null)
    short[SLOT.environment] = options.environment ?? null
    short[SLOT.release] = options.release ?? null
    this.flagShort = short
    const attrs = options.attributes ?? {}
    this.flagAttributes = Object.keys(attrs).length > 0 ? attrs : null
    let tail = ''
    if (options.environment !== undefined)
      tail += `,"environment":${JSON.stringify(truncateText(options.environment, LOG_LIMITS.short))}`
    if (options.release !== undefined)
      tail += `,"release":${JSON.stringify(truncateText(options.release, LOG_LIMITS.short))}`
    if (this.flagAttributes) tail += `,"attributes":${serializeAttributes(this.flagAttributes).json}`
    this.plainTail = tail
  }

  /** The log of one line as a JSON object string, or null for an empty line. */
  map(line: string, readAt: number): string | null {
    this.lastTruncated = false
    let start = 0
    const n = line.length
    while (start < n && isSpace(line.charCodeAt(start))) start++
    if (start === n) return null
    if (line.charCodeAt(start) === 0x7b /* { */ && line.charCodeAt(lastNonSpace(line)) === 0x7d /* } */) {
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        parsed = undefined
      }
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        if (needsSanitizing(line)) parsed = sanitize(parsed)
        return this.mapObject(parsed as Record<string, unknown>, readAt)
      }
    }
    return this.mapPlain(line, readAt)
  }

  /** The same as `map`, as an object (for tests and callers that want fields). */
  toLog(line: string, readAt: number): LogInput | null {
    const json = this.map(line, readAt)
    return json === null ? null : (JSON.parse(json) as LogInput)
  }

  private mapPlain(raw: string, readAt: number): string {
    const line = raw.indexOf('\x1b') >= 0 ? raw.replace(ANSI, '') : raw
    const level = detectLevel(line) ?? this.level
    const o = this.options
    const logType = o.logType ?? 'console'
    const importance = o.importance ?? defaultImportance(level)
    const message = JSON.stringify(this.cut(line, LOG_LIMITS.message))
    const ts = this.clock.iso(readAt)
    return `{"timestamp":"${ts}","level":"${level}","log_type":"${logType}","importance":"${importance}","message":${message}${this.plainTail}}`
  }

  private keyCode(key: string): number {
    let code = this.keyCache.get(key)
    if (code === undefined) {
      code = KEY_CODES.get(key) ?? KEY_CODES.get(key.toLowerCase()) ?? -1
      if (this.keyCache.size < KEY_CACHE_MAX) this.keyCache.set(key, code)
    }
    return code
  }

  private mapObject(obj: Record<string, unknown>, readAt: number): string {
    const slotKey = this.slotKey
    const slotValue = this.slotValue
    const slotRank = this.slotRank
    slotRank.fill(-1)
    let attrs: Record<string, unknown> | null = null
    for (const key in obj) {
      const value = obj[key]
      if (value === undefined) continue
      const code = this.keyCode(key)
      if (code < 0) {
        ;(attrs ??= {})[key] = value
        continue
      }
      // A known field set to null is a field left empty.
      if (value === null) continue
      const slot = code >> 6
      const rank = code & 63
      if (slot === SLOT.attributes) {
        if (typeof value === 'object' && !Array.isArray(value)) attrs = { ...attrs, ...(value as object) }
        else (attrs ??= {})[key] = value
        continue
      }
      const prev = slotRank[slot]!
      if (prev < 0 || rank < prev) {
        if (prev >= 0) (attrs ??= {})[slotKey[slot]!] = slotValue[slot]
        slotKey[slot] = key
        slotValue[slot] = value
        slotRank[slot] = rank
      } else {
        ;(attrs ??= {})[key] = value
      }
    }
    const has = (slot: number) => slotRank[slot]! >= 0
    /** Keeps a value the mapping could not use, under its own key. */
    const keep = (slot: number) => {
      ;(attrs ??= {})[slotKey[slot]!] = slotValue[slot]
    }

    // Timestamp: the line's own when it reads as one, else the time it was read.
    let iso: string | null = null
    if (has(SLOT.timestamp)) {
      iso = logTimeIso(slotValue[SLOT.timestamp], this.clock)
      if (iso === null) keep(SLOT.timestamp)
    }
    iso ??= this.clock.iso(readAt)

    let message: string | null = null
    if (has(SLOT.message)) message = asText(slotValue[SLOT.message])
    if (message !== null && message.length > 0 && message.charCodeAt(message.length - 1) === 0x0a)
      message = message.replace(/\r?\n$/, '')

    let hasError = false
    let err: ErrorFields | null = null
    if (has(SLOT.error) || has(SLOT.error_type) || has(SLOT.error_message) || has(SLOT.stack_trace)) {
      err = {
        type: has(SLOT.error_type) ? asText(slotValue[SLOT.error_type]) : null,
        message: has(SLOT.error_message) ? asText(slotValue[SLOT.error_message]) : null,
        stack: has(SLOT.stack_trace) ? asText(slotValue[SLOT.stack_trace]) : null,
      }
      if (has(SLOT.error)) {
        const rest = fillError(err, slotValue[SLOT.error])
        if (rest !== undefined) (attrs ??= {})[slotKey[SLOT.error]!] = rest
      }
      if (err.stack !== null && (err.type === null || err.message === null)) fillError(err, err.stack, true)
      hasError = err.type !== null || err.message !== null || err.stack !== null
    }

    let level: Level | null = null
    if (has(SLOT.level)) {
      level = normalizeLevel(slotValue[SLOT.level])
      if (level === null) keep(SLOT.level)
    }
    level ??= (message !== null ? detectLevel(message) : null) ?? (hasError ? 'error' : this.level)

    const o = this.options
    let logType: string = o.logType ?? (hasError ? 'exception' : 'logger')
    if (has(SLOT.log_type)) {
      const v = slotValue[SLOT.log_type]
      if (typeof v === 'string' && LOG_TYPE_SET.has(v)) logType = v
      else keep(SLOT.log_type)
    }
    let importance: string = o.importance ?? defaultImportance(level)
    if (has(SLOT.importance)) {
      const v = slotValue[SLOT.importance]
      if (typeof v === 'string' && IMPORTANCE_SET.has(v)) importance = v
      else keep(SLOT.importance)
    }

    let out = `{"timestamp":"${iso}","level":"${level}","log_type":"${logType}","importance":"${importance}"`
    if (message !== null) out += `,"message":${JSON.stringify(this.cut(message, LOG_LIMITS.message))}`
    if (err !== null) {
      if (err.type !== null) out += `,"error_type":${JSON.stringify(this.cut(err.type, LOG_LIMITS.short))}`
      if (err.message !== null)
        out += `,"error_message":${JSON.stringify(this.cut(err.message, LOG_LIMITS.error_message))}`
      if (err.stack !== null)
        out += `,"stack_trace":${JSON.stringify(this.cut(err.stack, LOG_LIMITS.stack_trace))}`
    }
    for (const [name, slot] of SHORT_SLOTS) {
      const text = has(slot) ? asText(slotValue[slot]) : this.flagShort[slot]!
      if (text !== null) out += `,"${name}":${JSON.stringify(this.cut(text, LOG_LIMITS.short))}`
    }
    if (this.flagAttributes) attrs = attrs ? { ...this.flagAttributes, ...attrs } : this.flagAttributes
    if (attrs) {
      const a = serializeAttributes(attrs)
      if (a.truncated) this.lastTruncated = true
      out += `,"attributes":${a.json}`
    }
    // Let go of this line's values.
    slotValue.fill(undefined)
    return `${out}}`
  }

  private cut(text: string, max: number): string {
    if (text.length <= max) return text
    this.lastTruncated = true
    return truncateText(text, max)
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0x0b || c === 0x0c
}

function lastNonSpace(s: string): number {
  let i = s.length - 1
  while (i > 0 && isSpace(s.charCodeAt(i))) i--
  return i
}

function defaultImportance(level: Level): string {
  return level === 'error' || level === 'critical' ? 'high' : 'standard'
}

/** A field value as text: strings as they are, numbers and booleans printed, the rest as JSON. */
function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value)
}

const TYPE_KEYS = ['type', 'name', 'class', 'kind']
const MESSAGE_KEYS = ['message', 'msg', 'reason']
const STACK_KEYS = ['stack', 'stack_trace', 'stacktrace', 'backtrace', 'trace']

/**
 * Fills the empty error fields from an `error`/`err`/`exception` value: an object
 * (`{type|name, message, stack}` as pino and winston serialise errors) or a string (a stack
 * trace, a Python traceback, or `TypeError: message`). Returns what the object held beyond
 * those fields (kept as an attribute), or undefined.
 */
function fillError(err: ErrorFields, value: unknown, onlyHead = false): unknown {
  if (typeof value === 'string') {
    const text = value
    const nl = text.indexOf('\n')
    if (nl >= 0 && !onlyHead) err.stack ??= text
    let head = nl >= 0 ? text.slice(0, nl) : text
    if (/^Traceback \(most recent call last\)/.test(head)) {
      // Python puts the exception last.
      const lines = text.trimEnd().split('\n')
      head = lines[lines.length - 1] ?? head
    }
    head = head.trim()
    const m = ERROR_HEAD.exec(head)
    if (m && ERROR_NAME.test(m[1] ?? '')) {
      err.type ??= m[1] ?? null
      if (m[2] !== undefined && m[2] !== '') err.message ??= m[2]
    } else if (!onlyHead && head !== '') {
      err.message ??= head
    }
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    err.message ??= asText(value)
    return undefined
  }
  const o = value as Record<string, unknown>
  const rest: Record<string, unknown> = {}
  let restCount = 0
  const used = new Set<string>()
  const take = (keys: readonly string[]): string | null => {
    for (const k of keys) {
      const v = o[k]
      if (v !== undefined && v !== null && !used.has(k)) {
        used.add(k)
        return asText(v)
      }
    }
    return null
  }
  const type = take(TYPE_KEYS)
  const message = take(MESSAGE_KEYS)
  const stack = take(STACK_KEYS)
  err.type ??= type
  err.message ??= message
  err.stack ??= stack
  for (const k in o) {
    if (used.has(k)) continue
    rest[k] = o[k]
    restCount++
  }
  if (err.stack !== null && (err.type === null || err.message === null)) fillError(err, err.stack, true)
  return restCount > 0 ? rest : undefined
}
