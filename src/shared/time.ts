/** Formats epoch milliseconds as ISO 8601 UTC, without a `.000` fraction on whole seconds. */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso
}

// ISO 8601 date-time with a time zone (Z or ±hh:mm); fractional seconds optional.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/

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

/** Parses an ISO 8601 timestamp with a time zone into epoch ms, or null when it is not one. */
export function parseTimestamp(value: string): number | null {
  const common = parseCommonIso(value)
  if (!Number.isNaN(common)) return common
  if (!ISO_8601.test(value)) return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}
