import { parseTimestamp } from '../../shared/time.js'
import { CliError, EXIT } from '../runtime/errors.js'

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Local midnight of the day `daysAgo` days before the day of `now` (the local time zone, TZ). */
function localMidnight(now: number, daysAgo: number): number {
  const d = new Date(now)
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - daysAgo).getTime()
}

/** `2025-10-17` (local midnight) or `2025-10-17T14:30[:05]` (local time), when a real date. */
function localDate(v: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(v)
  if (!m) return null
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x))) as number[]
  const date = new Date(y!, mo! - 1, d!, h, mi, s)
  // 2025-02-30 or 25:00 would roll over to another day: refused, as the API refuses them.
  const same =
    date.getFullYear() === y && date.getMonth() === mo! - 1 && date.getDate() === d && date.getHours() === h && date.getMinutes() === mi
  return same ? date.getTime() : null
}

/**
 * A point in time given on the command line: `now`, `today` or `yesterday` (local midnight), a
 * duration ago (`90s`, `15m`, `2h`, `7d`, `1w`, or combined like `1h30m`), a local date
 * (`2025-10-17`, its midnight) or date and time (`2025-10-17T14:30`) in the local time zone
 * (`TZ`), or an ISO 8601 timestamp with a time zone. Unix ms.
 */
export function parseTimeFlag(flag: string, value: string, now = Date.now()): number {
  const v = value.trim()
  if (v === 'now') return now
  if (v === 'today') return localMidnight(now, 0)
  if (v === 'yesterday') return localMidnight(now, 1)
  const local = localDate(v)
  if (local !== null) return local
  if (/^([0-9]+[smhdw])+$/.test(v)) {
    let ms = 0
    for (const [, n, unit] of v.matchAll(/([0-9]+)([smhdw])/g)) ms += Number(n) * UNITS[unit!]!
    return now - ms
  }
  const ts = parseTimestamp(v)
  if (ts !== null) return ts
  throw new CliError(
    `${flag} '${value}' is not a time: use a duration ago (15m, 2h, 7d), today, yesterday, a date (2025-10-17) or an ISO 8601 timestamp`,
    undefined,
    EXIT.usage,
  )
}

/** A time range from `--since`/`--until` flags, checked to run forwards. */
export function parseRange(
  since: string | undefined,
  until: string | undefined,
  defaultSince: string,
  now = Date.now(),
): { from: number; to: number } {
  const from = parseTimeFlag('--since', since ?? defaultSince, now)
  const to = until === undefined ? now : parseTimeFlag('--until', until, now)
  if (from >= to) throw new CliError('--since must be before --until', undefined, EXIT.usage)
  return { from, to }
}
