import { parseLocalTimestamp, parseTimestamp, parseWordedDate } from '../../shared/time.js'

// Dates outside years 1000–9999 are someone's mistake (or a counter), not a log time.
const MIN_MS = Date.UTC(1000, 0, 1)
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/**
 * A timestamp value from a JSON log line as epoch milliseconds, or null when it is not one
 * (impossible dates such as 30 February included: never rolled over).
 * Strings: ISO 8601 with a zone; without a zone, local time (`2025-10-17 10:00:00,123`, Python's
 * asctime, included); digits only, as a number; else whatever `Date.parse` reads when it
 * names a 4-digit year (RFC 2822).
 * Numbers are epoch seconds below 1e11, milliseconds below 1e14, microseconds below 1e17, else
 * nanoseconds (fractions allowed).
 */
export function parseLogTime(value: unknown): number | null {
  let ms: number | null = null
  if (typeof value === 'number') ms = fromEpoch(value)
  else if (typeof value === 'string') {
    const v = value.trim()
    if (/^\d+(\.\d+)?$/.test(v)) ms = fromEpoch(Number(v))
    else {
      // Without a zone: the machine's local time, as the program wrote it.
      ms = parseTimestamp(v) ?? parseLocalTimestamp(v)
      if (ms === null && v.length <= 64 && /[a-zA-Z]{3}/.test(v) && /\b\d{4}\b/.test(v)) ms = parseWordedDate(v)
    }
  }
  if (ms === null || !Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return null
  return Math.floor(ms)
}

function fromEpoch(n: number): number | null {
  if (!Number.isFinite(n) || n <= 0) return null
  if (n < 1e11) return n * 1000
  if (n < 1e14) return n
  if (n < 1e17) return n / 1000
  return n / 1e6
}

/**
 * A line's timestamp as the API takes it: an ISO 8601 string with a zone is passed on as it is
 * (the daemon reads the same format), anything else `parseLogTime` reads is converted. Null when
 * the value is not a time.
 */
export function logTimeIso(value: unknown, clock: IsoClock): string | null {
  if (typeof value === 'string' && value.length >= 16 && value.length <= 40 && parseTimestamp(value) !== null)
    return value
  const ms = parseLogTime(value)
  return ms === null ? null : clock.iso(ms)
}

/** `new Date(ms).toISOString()`, remembering the last one (lines read in the same ms share it). */
export class IsoClock {
  private lastMs = Number.NaN
  private lastIso = ''

  iso(ms: number): string {
    if (ms !== this.lastMs) {
      this.lastMs = ms
      this.lastIso = new Date(ms).toISOString()
    }
    return this.lastIso
  }
}
