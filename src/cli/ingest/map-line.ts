import { LOG_LIMITS, type Level, type LogInput } from '../../contract/ingest.js'
import { type ErrorFields, fillError } from './error-fields.js'
import { detectLevel, normalizeLevel } from './levels.js'
import type { TimeMatch } from './line-time.js'
import { parseLogfmt } from './logfmt.js'
import { LogWriter, type MapOptions } from './log-writer.js'
import { ObjectMapper } from './map-object.js'
import type { InputEvent } from './multiline.js'
import { needsSanitizing, sanitize } from './safe-json.js'

export type { Importance, LogType, MapOptions } from './log-writer.js'

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g
/** A first line that is itself the exception (its stack then includes it). */
const EXCEPTION_FIRST = /^(?:Traceback \(most recent call last\)|panic: |Exception in thread "|Unhandled exception\. )/
const ERROR_NAMED = /^[A-Za-z_$][\w$]*(?:(?:\.|::)[A-Za-z_$][\w$]*)*(?:Error|Exception|Throwable|Interrupt|Exit|Fault|Failure|Panic)(?::|$)/
/** `Exception in thread "main" java.lang.IllegalStateException: boom`, .NET's `Unhandled exception. X: msg`. */
const UNCAUGHT = /^(?:Exception in thread "[^"]*"|Unhandled exception\.) (\S+?)(?::\s*(.*))?$/
/** In the first 64 KiB or the last 4 KiB of a JSON line too long to parse: its level. */
const JSON_LEVEL = /"(?:level|severity|lvl|loglevel|log_level|levelname|severity_text|severityText|@l)"\s*:\s*"?([A-Za-z]+|\d{1,3})/
const JSON_TIME = /"(?:timestamp|time|ts|@timestamp|@t)"\s*:\s*("[^"]{8,40}"|\d{9,19}(?:\.\d+)?)/

/** Whether a line holds nothing but spaces (blank lines are skipped and counted). */
/** `\u0000` as JSON.stringify writes NUL (not a backslash followed by `u0000`). */
const ESCAPED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g

export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (!isSpace(line.charCodeAt(i))) return false
  return true
}

/** Whether a line is a JSON object (before parsing it): `{` first and `}` last, spaces aside. */
export function looksLikeJsonObject(line: string): boolean {
  let start = 0
  while (start < line.length && isSpace(line.charCodeAt(start))) start++
  return line.charCodeAt(start) === 0x7b && line.charCodeAt(lastNonSpace(line)) === 0x7d
}

/**
 * Maps input events (a line, or a line with the lines that continue it) onto Ledger logs,
 * serialised as JSON ready for a batch body. A JSON object line has its fields mapped (see
 * `ObjectMapper`); a logfmt line likewise; any other line becomes the `message`, its time read
 * from where its format puts it and its level from its prefix. A multi-line event keeps its
 * first line's time and level; a stack trace goes into `stack_trace`, with `error_type` and
 * `error_message` when they can be read. Values too long for the API are cut with a marker;
 * nothing makes a line invalid. The line's own fields win over the flags.
 */
export class LineMapper {
  private readonly w: LogWriter
  private readonly objects: ObjectMapper

  constructor(options: MapOptions = {}) {
    this.w = new LogWriter(options)
    this.objects = new ObjectMapper(this.w)
  }

  /** Whether the last mapped event had a value cut to fit. */
  get lastTruncated(): boolean {
    return this.w.truncated
  }

  /** The log of one line as a JSON object string, or null for a blank line. */
  map(line: string, readAt: number): string | null {
    if (isBlank(line)) return null
    return this.mapEvent({ first: line, rest: null, ordinal: 0, readAt, stack: false, cutTail: null })
  }

  /** The same as `map`, as an object (for tests and callers that want fields). */
  toLog(line: string, readAt: number): LogInput | null {
    const json = this.map(line, readAt)
    return json === null ? null : (JSON.parse(json) as LogInput)
  }

  /**
   * The log of one event (never blank) as a JSON object string. U+0000 (NUL), which the daemon
   * refuses in any text (PostgreSQL cannot store it), becomes U+FFFD: a line is never dropped
   * for it.
   */
  mapEvent(ev: InputEvent): string {
    const json = this.mapEventRaw(ev)
    return json.includes('\\u0000') ? json.replace(ESCAPED_NUL, '$1\\ufffd') : json
  }

  private mapEventRaw(ev: InputEvent): string {
    this.w.truncated = ev.cutTail !== null
    if (ev.rest !== null) return this.mapJoined(ev)
    const line = ev.first
    if (ev.cutTail !== null) {
      // Too long to parse: cut at the line limit (a JSON line then ends without its `}`).
      if (line.trimStart().startsWith('{')) return this.mapCutJson(line, ev.cutTail, ev.readAt)
      return this.mapPlain(line, ev.readAt)
    }
    if (looksLikeJsonObject(line)) {
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        parsed = undefined
      }
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        if (needsSanitizing(line)) parsed = sanitize(parsed)
        return this.objects.map(parsed as Record<string, unknown>, ev.readAt)
      }
    }
    return this.mapPlain(line, ev.readAt)
  }

  private mapPlain(raw: string, readAt: number): string {
    const line = raw.indexOf('\x1b') >= 0 ? raw.replace(ANSI, '') : raw
    const time = this.w.times.inLine(line, readAt)
    // logfmt, possibly after the line's time: `2025-… level=info msg=…`.
    if (line.indexOf('=') > 0) {
      const at = time !== null && time.start <= 1 ? skipSpaces(line, time.end) : 0
      const pairs = parseLogfmt(line, at)
      if (pairs !== null) return this.objects.map(pairs, readAt, time?.ms ?? null, line)
    }
    return this.text(line, time, detectLevel(line), readAt, this.w.options.logType ?? 'console')
  }

  /** A log whose message is `line` (its time cut out with `--strip-timestamp`). */
  private text(line: string, time: TimeMatch | null, detected: Level | null, readAt: number, logType: string, tail = ''): string {
    const w = this.w
    const level = detected ?? w.level
    const importance = w.options.importance ?? w.defaultImportance(level)
    const text = w.options.stripTimestamp && time !== null ? withoutTime(line, time) : line
    const message = JSON.stringify(w.cut(text, LOG_LIMITS.message))
    const ts = w.clock.iso(time?.ms ?? readAt)
    return `{"timestamp":"${ts}","level":"${level}","log_type":"${logType}","importance":"${importance}","message":${message}${tail}${w.plainTail}}`
  }

  /** A multi-line event: a stack trace after its first line, or text in several lines. */
  private mapJoined(ev: InputEvent): string {
    const w = this.w
    const first = ev.first.indexOf('\x1b') >= 0 ? ev.first.replace(ANSI, '') : ev.first
    let rest = ev.rest!.join('\n')
    if (rest.indexOf('\x1b') >= 0) rest = rest.replace(ANSI, '')
    const time = w.times.inLine(first, ev.readAt)
    const detected = detectLevel(first)
    if (!ev.stack) {
      // Text in several lines (a query, a dump): all of it is the message.
      return this.text(`${first}\n${rest}`, time, detected, ev.readAt, w.options.logType ?? 'console')
    }
    const err: ErrorFields = { type: null, message: null, stack: null }
    const head = EXCEPTION_FIRST.test(first) || ERROR_NAMED.test(first)
    err.stack = head ? `${first}\n${rest}` : rest
    fillError(err, err.stack, true)
    if (err.type === null) firstLineError(err, first)
    const hasError = err.type !== null || err.message !== null
    const level = detected ?? (hasError ? 'error' : w.level)
    const logType = w.options.logType ?? (hasError ? 'exception' : 'console')
    return this.text(first, time, level, ev.readAt, logType, w.errorFields(err))
  }

  /** A JSON line too long to parse whole: its start as text, its level and time still read. */
  private mapCutJson(head: string, tail: string, readAt: number): string {
    const w = this.w
    const start = head.length > 65_536 ? head.slice(0, 65_536) : head
    const m = JSON_LEVEL.exec(start) ?? JSON_LEVEL.exec(tail)
    const level = (m ? normalizeLevel(m[1]) : null) ?? detectLevel(head)
    const t = JSON_TIME.exec(start) ?? JSON_TIME.exec(tail)
    let ms: number | null = null
    if (t) ms = w.times.value(t[1]!.startsWith('"') ? t[1]!.slice(1, -1) : Number(t[1]), readAt)
    const time = ms === null ? null : { ms, start: 0, end: 0 }
    return this.text(head, time, level, readAt, w.options.logType ?? 'logger')
  }
}

/** The error a first line names: `Exception in thread "main" x.Y: msg`, `panic: msg`. */
function firstLineError(err: ErrorFields, first: string): void {
  const uncaught = UNCAUGHT.exec(first)
  if (uncaught) {
    err.type = uncaught[1] ?? null
    err.message ??= uncaught[2] ?? null
    return
  }
  if (first.startsWith('panic: ')) {
    err.type = 'panic'
    err.message ??= first.slice(7)
  }
}

/** `line` without its time, and the separator after it (`2025-… - msg` → `msg`). */
function withoutTime(line: string, t: TimeMatch): string {
  let end = skipSpaces(line, t.end)
  const c = line.charCodeAt(end)
  if ((c === 45 || c === 124) && line.charCodeAt(end + 1) === 32) end = skipSpaces(line, end + 1)
  let start = t.start
  if (start > 0 && line.charCodeAt(start - 1) === 32 && end === t.end) start--
  return line.slice(0, start) + line.slice(end)
}

function skipSpaces(s: string, i: number): number {
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++
  return i
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0x0b || c === 0x0c
}

function lastNonSpace(s: string): number {
  let i = s.length - 1
  while (i > 0 && isSpace(s.charCodeAt(i))) i--
  return i
}
