import { readFileSync } from 'node:fs'
import { uptime } from 'node:os'
import { parseTimestamp, parseWordedDate } from '../../shared/time.js'
import { isoAt, lineTime, type TimeContext, type TimeMatch, wallToEpoch } from './line-time.js'
import type { TimestampFormat } from './strftime.js'
import { makeZone, type Zone } from './zones.js'

// Dates outside years 1000–9999 are someone's mistake (or a counter), not a log time.
const MIN_MS = Date.UTC(1000, 0, 1)
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/** How times are read: `--timezone`, `--timestamp-format`, and the boot time for dmesg. */
export interface TimeOptions {
  zone?: Zone
  format?: TimestampFormat | null
  /** Epoch ms of the machine's boot; default: Linux's /proc/stat `btime`, else now − uptime. */
  bootTime?: () => number | null
}

/**
 * Reads log times: at the start of plain lines (see `lineTime`, or `--timestamp-format`), and in
 * JSON or logfmt values (see `value`). Zoneless times are in `--timezone` (default: local).
 */
export class TimeReader {
  private readonly ctx: TimeContext
  private readonly format: TimestampFormat | null

  constructor(options: TimeOptions = {}) {
    this.format = options.format ?? null
    this.ctx = { zone: options.zone ?? makeZone(), readAt: 0, bootTime: memo(options.bootTime ?? machineBootTime) }
  }

  /** The time a plain line carries (where its format puts it), or null. */
  inLine(line: string, readAt: number): TimeMatch | null {
    this.ctx.readAt = readAt
    const m = this.format ? this.format.find(line, this.ctx) : lineTime(line, this.ctx)
    return m && inRange(m.ms) ? m : null
  }

  /**
   * A time value of a JSON or logfmt line as epoch ms, or null when it is not one. Numbers (and
   * digit strings) are epoch seconds below 1e11, milliseconds below 1e14, microseconds below
   * 1e17, else nanoseconds. Strings: `--timestamp-format` when given; ISO 8601 / RFC 3339 with
   * or without a zone (a space or `T`, `,` or `.`); else what `Date.parse` reads when it names
   * a 4-digit year (RFC 2822). Objects: `{seconds, nanos}` (protobuf, Google Cloud) and
   * `{epochSecond, nanoOfSecond}` (log4j2).
   */
  value(value: unknown, readAt: number): number | null {
    this.ctx.readAt = readAt
    let ms: number | null = null
    if (typeof value === 'number') ms = fromEpoch(value)
    else if (typeof value === 'string') ms = this.text(value.trim())
    else if (value !== null && typeof value === 'object') ms = fromParts(value as Record<string, unknown>)
    if (ms === null || !inRange(ms)) return null
    return Math.floor(ms)
  }

  private text(v: string): number | null {
    if (v.length === 0) return null
    if (/^\d+(\.\d+)?$/.test(v)) return fromEpoch(Number(v))
    if (this.format) {
      const m = this.format.find(v, this.ctx)
      if (m) return m.ms
    }
    const zoned = parseTimestamp(v)
    if (zoned !== null) return zoned
    const w = isoAt(v, 0)
    if (w && w.end === v.length) {
      const ms = wallToEpoch(w, this.ctx)
      return Number.isFinite(ms) ? ms : null
    }
    if (v.length <= 64 && /[a-zA-Z]{3}/.test(v) && /\b\d{4}\b/.test(v)) return parseWordedDate(v)
    return null
  }
}

/** A timestamp value without any option (local zone): epoch ms, or null when it is not one. */
export function parseLogTime(value: unknown): number | null {
  return defaultReader.value(value, Date.now())
}
const defaultReader = new TimeReader()

function inRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_MS && ms <= MAX_MS
}

function fromEpoch(n: number): number | null {
  if (!Number.isFinite(n) || n <= 0) return null
  if (n < 1e11) return n * 1000
  if (n < 1e14) return n
  if (n < 1e17) return n / 1000
  return n / 1e6
}

/** `{seconds, nanos}` and `{epochSecond, nanoOfSecond}`, numbers or digit strings. */
function fromParts(o: Record<string, unknown>): number | null {
  const seconds = Number(o['seconds'] ?? o['epochSecond'] ?? Number.NaN)
  if (!Number.isFinite(seconds)) return null
  const nanos = Number(o['nanos'] ?? o['nanoOfSecond'] ?? 0)
  return seconds * 1000 + (Number.isFinite(nanos) ? Math.floor(nanos / 1e6) : 0)
}

function memo<T>(fn: () => T): () => T {
  let done = false
  let value: T
  return () => {
    if (!done) {
      value = fn()
      done = true
    }
    return value
  }
}

/** When this machine booted: /proc/stat's `btime` on Linux, else now minus the uptime. */
export function machineBootTime(): number | null {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))
    if (m) return Number(m[1]) * 1000
  } catch {
    // Not Linux: the uptime below.
  }
  const up = uptime()
  return up > 0 ? Date.now() - up * 1000 : null
}

/**
 * A line's timestamp as the API takes it: an ISO 8601 string with a zone is passed on as it is
 * (the daemon reads the same format), anything else `reader.value` reads is converted. Null
 * when the value is not a time.
 */
export function logTimeIso(value: unknown, reader: TimeReader, clock: IsoClock, readAt: number): string | null {
  if (typeof value === 'string' && value.length >= 16 && value.length <= 40 && parseTimestamp(value) !== null)
    return value
  const ms = reader.value(value, readAt)
  return ms === null ? null : clock.iso(ms)
}

/**
 * `new Date(ms).toISOString()`, fast: the part up to the minute is formatted once per minute,
 * the seconds and milliseconds by hand (a line's own time differs from line to line).
 */
export class IsoClock {
  private lastMs = Number.NaN
  private lastIso = ''
  private minute = Number.NaN
  private prefix = ''

  iso(time: number): string {
    if (time === this.lastMs) return this.lastIso
    const ms = Math.floor(time)
    const minute = Math.floor(ms / 60_000)
    if (minute !== this.minute) {
      this.minute = minute
      // `YYYY-MM-DDTHH:MM:` (years 1000-9999 only reach here).
      this.prefix = new Date(minute * 60_000).toISOString().slice(0, 17)
    }
    const r = ms - minute * 60_000
    const sec = Math.floor(r / 1000)
    const milli = r - sec * 1000
    this.lastMs = time
    this.lastIso = `${this.prefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`
    return this.lastIso
  }
}
