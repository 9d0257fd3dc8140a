import type { Outcome } from './answers.js'
import type { Clock } from './clock.js'
import type { ShipperEvent, ShipperStats } from './shipper-types.js'

/** A run of retries of one kind: failures, or a busy daemon. */
interface Episode {
  busy: boolean
  since: number
  retries: number
}

/** A busy daemon is announced at most this often: a small queue refuses some batch every second. */
const BUSY_NOTICE_EVERY_MS = 60_000

/**
 * What the user hears of retries: runs of them ("episodes") rather than each one. A failure
 * after a success (or after busy answers) is announced, and so is the success that ends it; a
 * busy daemon at most once a minute, and its end not at all (it is no news). Keeps the stats'
 * `failing`, `waiting` and `busyWaitMs` up to date.
 */
export class RetryEpisodes {
  private episode: Episode | null = null
  private lastBusyNotice = Number.NEGATIVE_INFINITY

  constructor(
    private readonly stats: ShipperStats,
    private readonly emit: (event: ShipperEvent) => void,
    private readonly clock: Clock,
  ) {}

  /** A batch was answered (accepted or refused): the episode, if any, is over. */
  succeeded(): void {
    const e = this.episode
    if (e === null) return
    this.episode = null
    this.stats.failing = null
    this.stats.waiting = null
    if (e.busy) this.stats.busyWaitMs += this.clock.now() - e.since
    else this.emit({ kind: 'recovered', failedForMs: this.clock.now() - e.since, retries: e.retries })
  }

  /** A batch is retried after `outcome`, in `delayMs` (before jitter). */
  retrying(outcome: Extract<Outcome, { kind: 'retry' }>, busy: boolean, delayMs: number): void {
    const now = this.clock.now()
    this.stats.retries++
    this.stats.failing = busy ? null : outcome.reason
    this.stats.waiting = busy ? outcome.reason : null
    if (this.episode === null || this.episode.busy !== busy) {
      if (this.episode?.busy) this.stats.busyWaitMs += now - this.episode.since
      if (!busy) this.emit({ kind: 'retrying', reason: outcome.reason, status: outcome.status, delayMs })
      else if (now - this.lastBusyNotice >= BUSY_NOTICE_EVERY_MS) {
        this.lastBusyNotice = now
        this.emit({ kind: 'busy', reason: outcome.reason, status: outcome.status ?? 503, delayMs })
      }
      this.episode = { busy, since: now, retries: 0 }
    }
    this.episode.retries++
  }
}
