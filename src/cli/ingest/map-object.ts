import { IMPORTANCES, LOG_LIMITS, LOG_TYPES, type Level } from '../../contract/ingest.js'
import { type ErrorFields, fillError } from './error-fields.js'
import {
  asText,
  GCP_PREFIX,
  KEY_CACHE_MAX,
  KEY_CODES,
  MESSAGE_IF_SCALAR,
  putGcpKey,
  SHORT_SLOTS,
  SLOT,
  SLOT_COUNT,
} from './json-fields.js'
import { detectLevel, normalizeLevel, otelSeverityLevel } from './levels.js'
import type { LogWriter } from './log-writer.js'
import { logTimeIso } from './timestamps.js'

const LOG_TYPE_SET: ReadonlySet<string> = new Set(LOG_TYPES)
const IMPORTANCE_SET: ReadonlySet<string> = new Set(IMPORTANCES)

/**
 * Maps a parsed object (a JSON line, or a logfmt line's pairs) onto a log: each key fills the
 * field `JSON_KEYS` says (the first listed wins), the rest become attributes. See the README's
 * table. Per-line state lives in reused arrays: a line allocates only what it keeps.
 */
export class ObjectMapper {
  private readonly keyCache = new Map<string, number>()
  private readonly slotKey: string[] = new Array<string>(SLOT_COUNT).fill('')
  private readonly slotValue: unknown[] = new Array<unknown>(SLOT_COUNT).fill(undefined)
  private readonly slotRank: number[] = new Array<number>(SLOT_COUNT).fill(-1)

  constructor(private readonly w: LogWriter) {}

  private keyCode(key: string): number {
    let code = this.keyCache.get(key)
    if (code === undefined) {
      code = KEY_CODES.get(key) ?? KEY_CODES.get(key.toLowerCase()) ?? -1
      if (code >= 0 && (code >> 6) === SLOT.message && MESSAGE_IF_SCALAR.has(key.toLowerCase())) code |= 1 << 20
      if (this.keyCache.size < KEY_CACHE_MAX) this.keyCache.set(key, code)
    }
    return code
  }

  /**
   * The log of `obj` as JSON. For a logfmt line: `lineMs`, a time found before its pairs, and
   * `text`, the line, its message when no key gives one.
   */
  map(obj: Record<string, unknown>, readAt: number, lineMs: number | null = null, text: string | null = null): string {
    const w = this.w
    const slotKey = this.slotKey
    const slotValue = this.slotValue
    const slotRank = this.slotRank
    slotRank.fill(-1)
    let attrs: Record<string, unknown> | null = null
    const offer = (slot: number, rank: number, key: string, value: unknown) => {
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
    for (const key in obj) {
      const value = obj[key]
      if (value === undefined) continue
      let code = this.keyCode(key)
      if (code < 0) {
        if (key.startsWith(GCP_PREFIX)) putGcpKey((attrs ??= {}), key, value)
        else (attrs ??= {})[key] = value
        continue
      }
      // A known field set to null is a field left empty.
      if (value === null) continue
      if (code >= 1 << 20) {
        // `log` or `event` holding an object is not a message: ECS's `log: {level, logger}`.
        code &= (1 << 20) - 1
        if (typeof value === 'object') {
          const inner = value as Record<string, unknown>
          const level = inner['level']
          if (typeof level === 'string' || typeof level === 'number') {
            offer(SLOT.level, KEY_CODES.get('log.level')! & 63, `${key}.level`, level)
            const { level: _, ...others } = inner
            if (Object.keys(others).length > 0) (attrs ??= {})[key] = others
          } else (attrs ??= {})[key] = value
          continue
        }
      }
      const slot = code >> 6
      if (slot === SLOT.attributes) {
        if (typeof value === 'object' && !Array.isArray(value)) attrs = { ...attrs, ...(value as object) }
        else (attrs ??= {})[key] = value
        continue
      }
      offer(slot, code & 63, key, value)
    }
    const has = (slot: number) => slotRank[slot]! >= 0
    /** Keeps a value the mapping could not use, under its own key. */
    const keep = (slot: number) => {
      ;(attrs ??= {})[slotKey[slot]!] = slotValue[slot]
    }

    // Timestamp: the line's own when it reads as one, else the time it was read.
    let iso: string | null = null
    if (has(SLOT.timestamp)) {
      iso = logTimeIso(slotValue[SLOT.timestamp], w.times, w.clock, readAt)
      if (iso === null) keep(SLOT.timestamp)
    } else if (attrs !== null && (attrs as Record<string, unknown>)['timestampSeconds'] !== undefined) {
      // Google Cloud's other spelling: `timestampSeconds` and `timestampNanos`.
      const a = attrs as Record<string, unknown>
      const ms = w.times.value({ seconds: a['timestampSeconds'], nanos: a['timestampNanos'] ?? 0 }, readAt)
      if (ms !== null) {
        iso = w.clock.iso(ms)
        delete a['timestampSeconds']
        delete a['timestampNanos']
        if (Object.keys(a).length === 0) attrs = null
      }
    }
    iso ??= w.clock.iso(lineMs ?? readAt)

    let message: string | null = null
    if (has(SLOT.message)) message = asText(slotValue[SLOT.message])
    else message = text
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
    if (has(SLOT.severity_number)) {
      const fromNumber = level === null ? otelSeverityLevel(slotValue[SLOT.severity_number]) : null
      if (fromNumber !== null) level = fromNumber
      else keep(SLOT.severity_number)
    }
    level ??= (message !== null ? detectLevel(message) : null) ?? (hasError ? 'error' : w.level)

    const o = w.options
    let logType: string = o.logType ?? (hasError ? 'exception' : 'logger')
    if (has(SLOT.log_type)) {
      const v = slotValue[SLOT.log_type]
      if (typeof v === 'string' && LOG_TYPE_SET.has(v)) logType = v
      else keep(SLOT.log_type)
    }
    let importance: string = o.importance ?? w.defaultImportance(level)
    if (has(SLOT.importance)) {
      const v = slotValue[SLOT.importance]
      if (typeof v === 'string' && IMPORTANCE_SET.has(v)) importance = v
      else keep(SLOT.importance)
    }

    let out = `{"timestamp":"${iso}","level":"${level}","log_type":"${logType}","importance":"${importance}"`
    if (message !== null) out += `,"message":${JSON.stringify(w.cut(message, LOG_LIMITS.message))}`
    if (err !== null) out += w.errorFields(err)
    for (const [name, slot] of SHORT_SLOTS) {
      const text = has(slot) ? asText(slotValue[slot]) : w.flagShort[slot]!
      if (text !== null) out += `,"${name}":${JSON.stringify(w.cut(text, LOG_LIMITS.short))}`
    }
    out += w.attributes(attrs)
    // Let go of this line's values.
    slotValue.fill(undefined)
    return `${out}}`
  }
}
