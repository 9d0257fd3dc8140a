import { formatAgo, formatLocalTimestamp, formatWhen, parseTimestamp, wallClock } from '../../shared/time.js'

/**
 * How a command's human output shows times: in `timeZone` (`UTC` with `--utc`; undefined: this
 * machine's, `TZ`), against the command's clock `nowMs`. Every command that shows a time goes
 * through one of these, so they all read alike (and like `ledger top`).
 */
export class Times {
  constructor(
    readonly timeZone: string | undefined,
    readonly nowMs: number,
  ) {}

  /** An instant in full, with its offset: `2025-10-17T19:00:00.123+09:00` (`…Z` in UTC). */
  at(iso: string): string {
    const ms = Date.parse(iso)
    return Number.isNaN(ms) ? iso : formatLocalTimestamp(ms, this.timeZone)
  }

  /** Short, for a column of times: `14:03:07` today, `Oct 16 14:03` this year, `2024-10-16` before. */
  when(iso: string): string {
    const ms = Date.parse(iso)
    return Number.isNaN(ms) ? iso : formatWhen(ms, this.nowMs, this.timeZone)
  }

  /** For a column about recency: `never`, `just now`, `3m ago`, `2d ago`. */
  ago(iso: string | null): string {
    return formatAgo(iso === null ? null : Date.parse(iso), this.nowMs)
  }

  /** `at` followed by how long ago: `2025-10-17T19:00:00+09:00 (3m ago)`. */
  atAgo(iso: string): string {
    return `${this.at(iso)} (${this.ago(iso)})`
  }

  /** A time range's end as stored (an ISO timestamp, or a relative `24h`/`now`): ISO ones shown local. */
  point(value: string): string {
    return parseTimestamp(value) === null ? value : this.at(value)
  }

  /** `2026-12-03 15:04:05` (no zone, no fraction): the daemon log's lines. */
  plain(ms: number): string {
    const w = wallClock(ms, this.timeZone)
    const p = (n: number) => String(n).padStart(2, '0')
    return `${String(w.year).padStart(4, '0')}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}:${p(w.second)}`
  }

  /** The zone's short name now: `UTC`, `GMT+9`, `CET`. */
  zone(): string {
    return wallClock(this.nowMs, this.timeZone).zone
  }
}
