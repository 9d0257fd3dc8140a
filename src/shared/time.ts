/** Formats epoch milliseconds as ISO 8601 UTC, without a `.000` fraction on whole seconds. */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso
}

// ISO 8601 date-time with a time zone (Z or ±hh:mm); fractional seconds optional.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:[Zz]|[+-](\d{2}):?(\d{2}))$/
// The same without a zone (local time), also with a comma before the fraction (Python's asctime).
const LOCAL_8601 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?$/

/** Days in a month (1–12) of a proleptic Gregorian year. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * Whether the fields of a date and time name a real instant: years 0001–9999, a day that the
 * month has (no 30 February), hours 00–23, minutes and seconds 00–59. Date.parse would roll
 * `2025-02-30` over to 2 March and take year 0000; a timestamp like that is someone's mistake.
 */
export function isRealDateTime(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): boolean {
  return (
    year >= 1 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  )
}

/** The regular expression's date and time groups (1–6) name a real instant. */
function realFields(m: RegExpExecArray): boolean {
  return isRealDateTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0))
}

/** The two digits at `i` as a number, or -1. */
function twoDigits(v: string, i: number): number {
  const a = v.charCodeAt(i) - 48
  const b = v.charCodeAt(i + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

/**
 * Epoch ms of the common form `YYYY-MM-DDTHH:MM:SSZ` or `…SS.mmmZ` (what `toISOString()` and
 * most loggers write), read by hand: ingestion parses one per log, and the regular expression
 * plus Date.parse cost ~1 µs each. NaN for anything else, which parseTimestamp then reads the
 * usual way; that includes days 29–31 and years before 1000, so the two ways never disagree.
 */
function parseCommonIso(v: string): number {
  const len = v.length
  if (len !== 20 && len !== 24) return Number.NaN
  if (v.charCodeAt(len - 1) !== 90 /* Z */ || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return Number.NaN
  if (v.charCodeAt(10) !== 84 /* T */ || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return Number.NaN
  const century = twoDigits(v, 0)
  const years = twoDigits(v, 2)
  const month = twoDigits(v, 5)
  const day = twoDigits(v, 8)
  const hour = twoDigits(v, 11)
  const minute = twoDigits(v, 14)
  const second = twoDigits(v, 17)
  if (century < 10 || years < 0 || month < 1 || month > 12 || day < 1 || day > 28) return Number.NaN
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN
  let ms = 0
  if (len === 24) {
    const tens = twoDigits(v, 20)
    const last = v.charCodeAt(22) - 48
    if (v.charCodeAt(19) !== 46 /* . */ || tens < 0 || last < 0 || last > 9) return Number.NaN
    ms = tens * 10 + last
  }
  return Date.UTC(century * 100 + years, month - 1, day, hour, minute, second, ms)
}

/**
 * Parses an ISO 8601 timestamp with a time zone into epoch ms, or null when it is not one, or
 * names no real instant (`2025-02-30`, year 0000, 24:00, an offset of +24:00 or more).
 */
export function parseTimestamp(value: string): number | null {
  const common = parseCommonIso(value)
  if (!Number.isNaN(common)) return common
  const m = ISO_8601.exec(value)
  if (!m || !realFields(m)) return null
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}

/**
 * A date and time without a zone (`2025-10-17 10:00:00,123`) as epoch ms in this machine's
 * local time, or null when it is not one or names no real instant.
 */
export function parseLocalTimestamp(value: string): number | null {
  const m = LOCAL_8601.exec(value)
  if (!m || !realFields(m)) return null
  const ms = Date.parse(value.replace(',', '.').replace(' ', 'T'))
  return Number.isNaN(ms) ? null : ms
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
// "30 Feb 2025" (RFC 2822) or "Feb 30 2025" / "Feb 30, 2025" (what Date's toString writes).
const DAY_MONTH_YEAR = /\b(\d{1,2})\s+([a-z]{3})[a-z]*\.?,?\s+(\d{4})\b/i
const MONTH_DAY_YEAR = /\b([a-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b/i

/**
 * A date in words (RFC 2822, `Date.prototype.toString`) as epoch ms, or null when Date.parse
 * cannot read it or its day is not one its month has (Date.parse rolls `30 Feb` over).
 */
export function parseWordedDate(value: string): number | null {
  const dmy = DAY_MONTH_YEAR.exec(value)
  const mdy = dmy ? null : MONTH_DAY_YEAR.exec(value)
  const [day, monthName, year] = dmy ? [dmy[1], dmy[2], dmy[3]] : mdy ? [mdy[2], mdy[1], mdy[3]] : []
  if (day !== undefined && monthName !== undefined && year !== undefined) {
    const month = MONTHS.indexOf(monthName.toLowerCase()) + 1
    if (month > 0 && !isRealDateTime(Number(year), month, Number(day))) return null
  }
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}

// Display: what a person reads. The machine's zone (TZ honoured) unless a zone is named
// (`UTC` for `--utc`).

/** The fields of an instant in a time zone, as a wall clock there shows them. */
export interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** The zone's short name at that instant: `UTC`, `GMT+9`, `EST`. */
  zone: string
  /** Minutes east of UTC at that instant. */
  offsetMinutes: number
}

const wallFormats = new Map<string, Intl.DateTimeFormat>()
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad2 = (n: number) => String(n).padStart(2, '0')

/** `ms` on the wall clock of `timeZone` (an IANA name; undefined: this machine's zone, `TZ`). */
export function wallClock(ms: number, timeZone?: string): WallClock {
  const cacheKey = timeZone ?? ''
  let f = wallFormats.get(cacheKey)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      ...(timeZone ? { timeZone } : {}),
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
    })
    wallFormats.set(cacheKey, f)
  }
  const parts: Record<string, string> = {}
  for (const p of f.formatToParts(ms)) parts[p.type] = p.value
  const w = {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    hour: Number(parts['hour']),
    minute: Number(parts['minute']),
    second: Number(parts['second']),
  }
  return { ...w, zone: parts['timeZoneName'] ?? '', offsetMinutes: Math.round(offsetOf(w, ms) / 60_000) }
}

/** ms east of UTC of a wall clock read at instant `ms`, to the second (zones of the past had offsets in seconds). */
function offsetOf(w: Omit<WallClock, 'zone' | 'offsetMinutes'>, ms: number): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000
}

/** The offset (ms east of UTC, to the second) of `timeZone` at instant `ms`; a RangeError for a zone Intl does not know. */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  return offsetOf(wallClock(ms, timeZone), ms)
}

/** `14:03:07` on the wall clock of `timeZone` (undefined: this machine's). */
export function formatClock(ms: number, timeZone?: string): string {
  const w = wallClock(ms, timeZone)
  return `${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}`
}

/**
 * A log line's time, short: `14:03:07` on the day of `nowMs`, `Oct 16 14:03` another day of
 * the same year, `2024-10-16` before.
 */
export function formatWhen(ms: number, nowMs: number, timeZone?: string): string {
  const w = wallClock(ms, timeZone)
  const n = wallClock(nowMs, timeZone)
  if (w.year === n.year && w.month === n.month && w.day === n.day)
    return `${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}`
  if (w.year === n.year) return `${MONTH_NAMES[w.month - 1]} ${pad2(w.day)} ${pad2(w.hour)}:${pad2(w.minute)}`
  return `${w.year}-${pad2(w.month)}-${pad2(w.day)}`
}

/**
 * ISO 8601 on the wall clock of `timeZone`, with its offset: `2025-10-17T19:00:00+09:00`, or
 * `…Z` where the offset is zero. The same instant as `formatTimestamp`, as people there read it.
 */
export function formatLocalTimestamp(ms: number, timeZone?: string): string {
  const w = wallClock(ms, timeZone)
  const frac = ms % 1000 === 0 ? '' : `.${String(((ms % 1000) + 1000) % 1000).padStart(3, '0')}`
  const o = Math.abs(w.offsetMinutes)
  const offset = w.offsetMinutes === 0 ? 'Z' : `${w.offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(o / 60))}:${pad2(o % 60)}`
  return `${String(w.year).padStart(4, '0')}-${pad2(w.month)}-${pad2(w.day)}T${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}${frac}${offset}`
}

/**
 * How long before `nowMs` an instant was, for a column about recency: `never` (null),
 * `just now`, `5s ago`, `3m ago`, `2h ago`, `4d ago`.
 */
export function formatAgo(ms: number | null, nowMs: number): string {
  if (ms === null || Number.isNaN(ms)) return 'never'
  const s = Math.floor(Math.max(0, Math.round((nowMs - ms) / 1000)))
  if (s <= 0) return 'just now'
  const [n, unit] = s < 60 ? [s, 's'] : s < 3600 ? [Math.floor(s / 60), 'm'] : s < 86_400 ? [Math.floor(s / 3600), 'h'] : [Math.floor(s / 86_400), 'd']
  return `${n}${unit} ago`
}

/**
 * The zone human output shows times in: `UTC` with `--utc`; else `TZ` when it names a zone
 * Intl knows (`Asia/Tokyo`, `:Europe/Paris`), else undefined (this machine's zone).
 */
export function displayZone(utc: boolean, tz: string | undefined): string | undefined {
  if (utc) return 'UTC'
  const name = tz?.replace(/^:/, '')
  if (!name) return undefined
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name })
    return name
  } catch {
    return undefined
  }
}
