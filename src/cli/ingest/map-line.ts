import { IMPORTANCES, LOG_LIMITS, LOG_TYPES, type Level, type LogInput } from '../../contract/ingest.js'
import { type ErrorFields, fillError } from './error-fields.js'
import { asText, KEY_CACHE_MAX, KEY_CODES, SHORT_SLOTS, SLOT, SLOT_COUNT } from './json-fields.js'
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

const LOG_TYPE_SET: ReadonlySet<string> = new Set(LOG_TYPES)
const IMPORTANCE_SET: ReadonlySet<string> = new Set(IMPORTANCES)
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g

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
