import { isRealDateTime } from '../../shared/time.js'
import type { Zone } from './zones.js'

/** A time found in a line: epoch ms, and where it was (for `--strip-timestamp`). */
export interface TimeMatch {
  ms: number
  start: number
  end: number
}

/** What reading a time needs besides the text. */
export interface TimeContext {
  /** The zone of times written without one. */
  zone: Zone
  /** When the line was read: the year of a syslog time without one is the latest not after it. */
  readAt: number
  /** The machine's boot time (epoch ms), for dmesg's seconds since boot; null when unknown. */
  bootTime: () => number | null
}

/** Three letters, lower-cased, as one number (no string is made per line). */
const key3 = (s: string, i: number) => ((s.charCodeAt(i) | 32) << 16) | ((s.charCodeAt(i + 1) | 32) << 8) | (s.charCodeAt(i + 2) | 32)
const MONTHS: ReadonlyMap<number, number> = new Map(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [key3(m, 0), i + 1]),
)
const WEEKDAYS: ReadonlySet<number> = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => key3(d, 0)))
/** A time without a year may lie this far after the moment it was read (clocks differ a little). */
const FUTURE_SLACK_MS = 2 * 86_400_000
/** How far into a line an Apache/nginx common-log `[10/Oct/2000:13:55:36 -0700]` is looked for. */
const CLF_WITHIN = 160

const isDigit = (c: number) => c >= 48 && c <= 57
const isUpper = (c: number) => c >= 65 && c <= 90

/** The `n` digits at `i` as a number, or -1. */
function digits(s: string, i: number, n: number): number {
  let v = 0
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k)
    if (!isDigit(c)) return -1
    v = v * 10 + c - 48
  }
  return v
}

/** A month name (`Oct`, `oct`, `OCT`) at `i`, as 1-12, or 0. */
function monthAt(s: string, i: number): number {
  return MONTHS.get(key3(s, i)) ?? 0
}

function validDate(y: number, mo: number, d: number, h: number, mi: number, sec: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 60 && y >= 1000 && y <= 9999
}

/** Parsed wall-clock fields and where they end. */
interface Wall {
  y: number
  mo: number
  d: number
  h: number
  mi: number
  s: number
  ms: number
  /** Minutes east of UTC when the text gave a zone, else null. */
  offset: number | null
  end: number
}

/** `.123` / `,123456789` at `i`: ms and the end, or null (no fraction there). */
function fraction(s: string, i: number): { ms: number; end: number } | null {
  const c = s.charCodeAt(i)
  if ((c !== 46 && c !== 44) || !isDigit(s.charCodeAt(i + 1))) return null
  let j = i + 1
  let ms = 0
  let scale = 100
  while (j < s.length && isDigit(s.charCodeAt(j)) && j - i <= 9) {
    ms += (s.charCodeAt(j) - 48) * scale
    scale /= 10
    j++
  }
  return { ms: Math.floor(ms), end: j }
}

/** `HH:MM[:SS[.fff]]` at `i`. */
function clock(s: string, i: number): { h: number; mi: number; s: number; ms: number; end: number } | null {
  const h = digits(s, i, 2)
  if (h < 0 || s.charCodeAt(i + 2) !== 58) return null
  const mi = digits(s, i + 3, 2)
  if (mi < 0) return null
  let end = i + 5
  let sec = 0
  let ms = 0
  if (s.charCodeAt(end) === 58) {
    sec = digits(s, end + 1, 2)
    if (sec < 0) return null
    end += 3
    const f = fraction(s, end)
    if (f) {
      ms = f.ms
      end = f.end
    }
  }
  return { h, mi, s: sec, ms, end }
}

/**
 * A zone after a time at `i`: `Z`, `±hh:mm`, `±hhmm`, `±hh` (directly or after one space), then
 * optionally an abbreviation (`-0400 EDT`, as Go prints); ` UTC` / ` GMT` alone. Other
 * abbreviations alone are not read (they are ambiguous).
 */
function zone(s: string, i: number): { offset: number | null; end: number } {
  const c = s.charCodeAt(i)
  if (c === 90 || c === 122) return { offset: 0, end: i + 1 } // Z z
  let j = i
  if (c === 32 && (s.charCodeAt(i + 1) === 43 || s.charCodeAt(i + 1) === 45)) j = i + 1
  const sign = s.charCodeAt(j)
  if (sign === 43 || sign === 45) {
    const hh = digits(s, j + 1, 2)
    if (hh >= 0 && hh <= 18) {
      let k = j + 3
      let mm = 0
      if (s.charCodeAt(k) === 58 && digits(s, k + 1, 2) >= 0) {
        mm = digits(s, k + 1, 2)
        k += 3
      } else if (digits(s, k, 2) >= 0 && !isDigit(s.charCodeAt(k + 2))) {
        mm = digits(s, k, 2)
        k += 2
      } else if (j !== i) {
        // ` -04` alone after a space is too likely a dash and a number.
        return { offset: null, end: i }
      }
      if (isDigit(s.charCodeAt(k))) return { offset: null, end: i }
      const offset = (hh * 60 + mm) * (sign === 45 ? -1 : 1)
      // `-0400 EDT`: the abbreviation belongs to the time.
      if (s.charCodeAt(k) === 32 && isUpper(s.charCodeAt(k + 1))) {
        let e = k + 1
        while (e < s.length && e - k <= 6 && isUpper(s.charCodeAt(e))) e++
        if (e - k >= 4 && !isWordChar(s.charCodeAt(e))) k = e
      }
      return { offset, end: k }
    }
    return { offset: null, end: i }
  }
  if (c === 32) {
    const word = s.slice(i + 1, i + 4)
    if ((word === 'UTC' || word === 'GMT') && !isWordChar(s.charCodeAt(i + 4))) return { offset: 0, end: i + 4 }
  }
  return { offset: null, end: i }
}

function isWordChar(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
}

/**
 * ISO 8601 / RFC 3339 at `i`: `YYYY-MM-DD` (or `YYYY/MM/DD`, as nginx writes), `T`, `t` or one
 * or two spaces, `HH:MM[:SS[.fraction]]` (`.` or `,`), then an optional zone. The time is
 * required; what follows must not continue a number.
 */
export function isoAt(s: string, i: number): Wall | null {
  const y = digits(s, i, 4)
  if (y < 0) return null
  const sep = s.charCodeAt(i + 4)
  if ((sep !== 45 && sep !== 47) || s.charCodeAt(i + 7) !== sep) return null
  const mo = digits(s, i + 5, 2)
  const d = digits(s, i + 8, 2)
  if (mo < 0 || d < 0) return null
  let j = i + 10
  const t = s.charCodeAt(j)
  if (t === 84 || t === 116) j++
  else if (t === 32) j += s.charCodeAt(j + 1) === 32 ? 2 : 1
  else return null
  const c = clock(s, j)
  if (!c || !validDate(y, mo, d, c.h, c.mi, c.s)) return null
  const z = zone(s, c.end)
  if (isDigit(s.charCodeAt(z.end))) return null
  return { y, mo, d, h: c.h, mi: c.mi, s: c.s, ms: c.ms, offset: z.offset, end: z.end }
}

/** RFC 3164 syslog `Oct 11 22:14:15` (day space-padded) at `i`, without a year. */
function syslogAt(s: string, i: number): Wall | null {
  const mo = monthAt(s, i)
  if (mo === 0 || s.charCodeAt(i + 3) !== 32) return null
  let j = i + 4
  if (s.charCodeAt(j) === 32) j++
  let d = digits(s, j, 2)
  if (d >= 0) j += 2
  else {
    d = digits(s, j, 1)
    if (d < 0) return null
    j += 1
  }
  if (s.charCodeAt(j) !== 32) return null
  // `Oct 11 2025 22:14:15` (some daemons add the year).
  let y = 0
  const year = digits(s, j + 1, 4)
  if (year >= 0 && s.charCodeAt(j + 5) === 32) {
    y = year
    j += 5
  }
  const c = clock(s, j + 1)
  if (!c || c.end - (j + 1) < 8 || !validDate(y || 2000, mo, d, c.h, c.mi, c.s)) return null
  const z = zone(s, c.end)
  return { y, mo, d, h: c.h, mi: c.mi, s: c.s, ms: c.ms, offset: z.offset, end: z.end }
}

/** ctime `Fri Oct 17 10:00:00[.micro] 2025` at `i` (dmesg -T, Apache's error log). */
function ctimeAt(s: string, i: number): Wall | null {
  if (!WEEKDAYS.has(key3(s, i)) || s.charCodeAt(i + 3) !== 32) return null
  const w = syslogAt(s, i + 4)
  if (!w || w.y !== 0 || s.charCodeAt(w.end) !== 32) return null
  const y = digits(s, w.end + 1, 4)
  if (y < 1000) return null
  return { ...w, y, end: w.end + 5 }
}

/** glog/klog `I1017 10:00:00.123456` at `i` (the letter is the level; no year). */
function glogAt(s: string, i: number): Wall | null {
  const c0 = s.charCodeAt(i)
  if (c0 !== 73 && c0 !== 87 && c0 !== 69 && c0 !== 70) return null // I W E F
  const mo = digits(s, i + 1, 2)
  const d = digits(s, i + 3, 2)
  if (mo < 1 || d < 1 || s.charCodeAt(i + 5) !== 32) return null
  const c = clock(s, i + 6)
  if (!c || !validDate(2000, mo, d, c.h, c.mi, c.s)) return null
  return { y: 0, mo, d, h: c.h, mi: c.mi, s: c.s, ms: c.ms, offset: null, end: c.end }
}

/** Common log format `10/Oct/2000:13:55:36 -0700` at `i`. */
function clfAt(s: string, i: number): Wall | null {
  const d = digits(s, i, 2)
  if (d < 0 || s.charCodeAt(i + 2) !== 47 || s.charCodeAt(i + 6) !== 47 || s.charCodeAt(i + 11) !== 58) return null
  const mo = monthAt(s, i + 3)
  const y = digits(s, i + 7, 4)
  const c = clock(s, i + 12)
  if (mo === 0 || !c || !validDate(y, mo, d, c.h, c.mi, c.s)) return null
  const z = zone(s, c.end)
  return { y, mo, d, h: c.h, mi: c.mi, s: c.s, ms: c.ms, offset: z.offset, end: z.end }
}

/** dmesg `[   12.345678]` at `i` (just after the bracket): seconds since boot, and the end. */
function bootSecondsAt(s: string, i: number): { seconds: number; end: number } | null {
  let j = i
  while (s.charCodeAt(j) === 32) j++
  const start = j
  while (isDigit(s.charCodeAt(j))) j++
  if (j === start || s.charCodeAt(j) !== 46) return null
  const fracStart = ++j
  while (isDigit(s.charCodeAt(j))) j++
  if (j - fracStart < 3 || s.charCodeAt(j) !== 93) return null
  return { seconds: Number(s.slice(start, j)), end: j + 1 }
}

/** The UTC year and month (1-12) of a time, remembered for the month it falls in. */
let cachedFrom = Number.NaN
let cachedTo = Number.NaN
let cached = { year: 0, month: 0 }
function yearOf(ms: number): { year: number; month: number } {
  if (!(ms >= cachedFrom && ms < cachedTo)) {
    const d = new Date(ms)
    cached = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 }
    cachedFrom = Date.UTC(cached.year, cached.month - 1, 1)
    cachedTo = Date.UTC(cached.year, cached.month, 1)
  }
  return cached
}

/** Epoch ms of a wall-clock time; a missing year is inferred (the latest not after reading). */
export function wallToEpoch(w: Omit<Wall, 'end'>, ctx: TimeContext): number {
  // A date that does not exist (30 February, hour 24) is no time at all: never rolled over.
  // Without a year, a leap year's calendar (29 February may be this year's).
  if (!isRealDateTime(w.y === 0 ? 2000 : w.y, w.mo, w.d, w.h, w.mi, w.s)) return Number.NaN
  if (w.offset !== null) return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, w.ms) - w.offset * 60_000
  if (w.y !== 0) return ctx.zone.toEpoch(w.y, w.mo, w.d, w.h, w.mi, w.s, w.ms)
  // No year (syslog, glog): this year's date, last year's once that is in the future (a log
  // of Dec 31 read on Jan 2), next year's just after New Year seen from a clock behind.
  const { year, month } = yearOf(ctx.readAt)
  const limit = ctx.readAt + FUTURE_SLACK_MS
  if (month === 12 && w.mo === 1) {
    const next = ctx.zone.toEpoch(year + 1, w.mo, w.d, w.h, w.mi, w.s, w.ms)
    if (next <= limit) return next
  }
  const ms = ctx.zone.toEpoch(year, w.mo, w.d, w.h, w.mi, w.s, w.ms)
  return ms <= limit ? ms : ctx.zone.toEpoch(year - 1, w.mo, w.d, w.h, w.mi, w.s, w.ms)
}

/**
 * The time a plain line starts with, or carries where its format puts it: ISO 8601 / RFC 3339
 * (with `T` or a space, zone or not; also in `[…]`), an RFC 5424 or RFC 3164 syslog header
 * (`<34>1 2025-…`, `<34>Oct 11 22:14:15`), ctime (`[Fri Oct 17 10:00:00 2025]`), glog/klog
 * (`I1017 10:00:00.123`), dmesg seconds since boot (`[   12.345678]`), Ruby's `E, [2025-…`, and
 * the common log format `[10/Oct/2000:13:55:36 -0700]` within the first 160 characters.
 * Null when none is found.
 */
export function lineTime(s: string, ctx: TimeContext): TimeMatch | null {
  let i = 0
  if (s.charCodeAt(0) === 0xfeff) i = 1
  // `<34>` syslog priority, and RFC 5424's version.
  if (s.charCodeAt(i) === 60) {
    let j = i + 1
    while (j < i + 5 && isDigit(s.charCodeAt(j))) j++
    if (j > i + 1 && s.charCodeAt(j) === 62) {
      i = j + 1
      if (isDigit(s.charCodeAt(i)) && s.charCodeAt(i + 1) === 32) i += 2
    }
  }
  const c = s.charCodeAt(i)
  let w: Wall | null = null
  let start = i
  let end = -1
  if (isDigit(c)) {
    w = isoAt(s, i)
  } else if (c === 91) {
    // [ … ]
    const j = i + 1
    const b = s.charCodeAt(j)
    if (isDigit(b)) w = isoAt(s, j) ?? clfAt(s, j)
    else if (isUpper(b)) w = ctimeAt(s, j)
    if (w) {
      if (s.charCodeAt(w.end) !== 93) w = null
      else end = w.end + 1
    } else if (b === 32 || isDigit(b)) {
      const boot = bootSecondsAt(s, j)
      const bootTime = boot ? ctx.bootTime() : null
      if (boot && bootTime !== null) return { ms: Math.round(bootTime + boot.seconds * 1000), start: i, end: boot.end }
    }
  } else if (isUpper(c)) {
    w = syslogAt(s, i) ?? ctimeAt(s, i) ?? glogAt(s, i)
    // Ruby's Logger: `E, [2025-10-17T10:00:00.123456 #1234] ERROR -- : …`
    if (!w && s.charCodeAt(i + 1) === 44 && s.charCodeAt(i + 2) === 32 && s.charCodeAt(i + 3) === 91) {
      w = isoAt(s, i + 4)
      if (w) start = i + 3
    }
  }
  if (!w) {
    // Apache / nginx access logs: `host ident user [10/Oct/2000:13:55:36 -0700] "GET …`
    const b = s.indexOf('[')
    if (b > 0 && b < CLF_WITHIN && isDigit(s.charCodeAt(b + 1))) {
      w = clfAt(s, b + 1)
      if (w && s.charCodeAt(w.end) === 93) {
        start = b
        end = w.end + 1
      } else w = null
    }
    if (!w) return null
  }
  const ms = wallToEpoch(w, ctx)
  return Number.isFinite(ms) ? { ms, start, end: end < 0 ? w.end : end } : null
}
