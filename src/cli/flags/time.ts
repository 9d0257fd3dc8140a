import { parseTimestamp } from '../../shared/time.js'
import { CliError, EXIT } from '../runtime/errors.js'

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * A point in time given on the command line: `now`, a duration ago (`90s`, `15m`, `2h`, `7d`,
 * `1w`, or combined like `1h30m`), or an ISO 8601 timestamp with a time zone. Unix ms.
 */
export function parseTimeFlag(flag: string, value: string, now = Date.now()): number {
  const v = value.trim()
  if (v === 'now') return now
  if (/^([0-9]+[smhdw])+$/.test(v)) {
    let ms = 0
    for (const [, n, unit] of v.matchAll(/([0-9]+)([smhdw])/g)) ms += Number(n) * UNITS[unit!]!
    return now - ms
  }
  const ts = parseTimestamp(v)
  if (ts !== null) return ts
  throw new CliError(
    `${flag} '${value}' is neither a duration (15m, 2h, 7d) nor an ISO 8601 timestamp with a time zone`,
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
