import type { LogEvents } from '../services/log-events.js'
import type { IndexedRange, Indexer } from '../storage/types.js'
import { insertInOrder } from '../../shared/sorted.js'

/** Stored logs not yet searchable: a commit's ids (up to `upTo`) and counts per project. */
interface Unindexed {
  upTo: number
  counts: Map<number, number>
}

/** Indexing rates are measured over this much recent time. */
const RATE_WINDOW_MS = 10_000
/** Below this many logs indexed in the window, the rate says little of what the indexer can do. */
const RATE_SAMPLE = 5000
/** The longest Retry-After a full queue answers (also when nothing drains: paused, failing, stuck). */
export const MAX_RETRY_AFTER_S = 60

/**
 * The ingestion queue: accepted logs not processed yet, per project. A log is stored by the
 * commit that accepts it (durable from its 202); it is processed once the full-text thread has
 * indexed its text, which makes it searchable and announces it to live tails. Depth counts the
 * logs accepted and not processed yet, in memory, seeded from the tables at start, so it is
 * exact after a restart and costs nothing to read. It also knows how fast the queue drains,
 * for an honest Retry-After when it is full.
 */
export class ProcessingQueue {
  private readonly depths_: Map<number, number>
  /** Commits whose logs the full-text thread has not indexed yet, oldest first. */
  private readonly unindexed: Unindexed[] = []
  private running = false
  private paused = false
  private processedTotal = 0
  /** Indexing commits of the last RATE_WINDOW_MS: when, how many logs, and how long they took. */
  private readonly recent: Array<{ at: number; rows: number; ms: number }> = []
  /** Since when logs have been waiting (null while none is). */
  private waitingSince: number | null = null

  private unsubscribe: (() => void) | undefined

  constructor(
    /** Told of every processed range (live tails listen). */
    private readonly events: LogEvents,
    /** The storage's indexer: the queue tells it of stored logs and hears what it indexed. */
    private readonly indexer: Indexer,
    /**
     * What was stored before the last stop and not indexed yet (`storage.logReads.countsAfter`
     * of the index's watermark; a rebuild's backlog is not waiting to be processed).
     */
    waiting: { counts: ReadonlyMap<number, number>; upTo: number; after: number },
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.depths_ = new Map(waiting.counts)
    if (waiting.upTo > waiting.after) this.unindexed.push({ upTo: waiting.upTo, counts: new Map(waiting.counts) })
    if (this.depths_.size > 0) this.waitingSince = this.clock()
    this.unsubscribe = indexer.subscribe((r) => this.indexed(r.upTo, r.rows, r.ms, r.others))
  }

  /**
   * The full-text thread has indexed every log up to `upTo` (`rows` of them just now, in `ms`):
   * those logs are processed. Their projects' depths go down, and live tails hear of them, and
   * of the logs of the range that other daemons committed (`others`; see IndexedRange).
   */
  indexed(upTo: number, rows = 0, ms = 0, others?: IndexedRange['others']): void {
    this.recent.push({ at: this.clock(), rows, ms })
    this.forgetOldRates()
    const counts = new Map<number, number>()
    while (this.unindexed.length > 0 && this.unindexed[0]!.upTo <= upTo) {
      for (const [project, n] of this.unindexed.shift()!.counts) {
        counts.set(project, (counts.get(project) ?? 0) + n)
        const left = this.depth(project) - n
        if (left > 0) this.depths_.set(project, left)
        else this.depths_.delete(project)
        this.processedTotal += n
      }
    }
    if (this.depths_.size === 0) this.waitingSince = null
    if (others instanceof Map) for (const [project, n] of others) counts.set(project, (counts.get(project) ?? 0) + n)
    this.events.processed({ upTo, counts, anyProject: others === 'unknown' })
  }

  /** Logs up to `upTo` were committed, `counts` of them per project: they wait to be indexed. */
  committed(upTo: number, counts: ReadonlyMap<number, number>): void {
    if (this.waitingSince === null && counts.size > 0) this.waitingSince = this.clock()
    for (const [project, n] of counts) this.depths_.set(project, this.depth(project) + n)
    const last = this.unindexed.at(-1)
    // One entry per commit, merged into the last once many wait (a long pause): bounded memory.
    if (last && this.unindexed.length >= 1000) {
      last.upTo = Math.max(last.upTo, upTo)
      for (const [project, n] of counts) last.counts.set(project, (last.counts.get(project) ?? 0) + n)
    } else {
      // In id order: concurrent commits (LogWriteStore.concurrentCommits) may complete out of it.
      insertInOrder(this.unindexed, { upTo, counts: new Map(counts) }, (c) => c.upTo)
    }
    if (this.running && !this.paused) this.indexer.kick()
  }

  start(): void {
    this.running = true
    if (!this.paused) this.indexer.kick()
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.running = false
  }

  /** Stops processing (accepting goes on); used by the benchmark and the queue-full tests. */
  pause(): void {
    this.paused = true
    this.indexer.pause()
  }

  resume(): void {
    this.paused = false
    this.indexer.resume()
  }

  depth(projectId: number): number {
    return this.depths_.get(projectId) ?? 0
  }

  /** Every project's depth (those with logs waiting). */
  depths(): ReadonlyMap<number, number> {
    return this.depths_
  }

  totalDepth(): number {
    let n = 0
    for (const d of this.depths_.values()) n += d
    return n
  }

  private forgetOldRates(): void {
    const now = this.clock()
    while (this.recent.length > 0 && now - this.recent[0]!.at > RATE_WINDOW_MS) this.recent.shift()
  }

  /**
   * How fast the queue drains while it has work: logs indexed per second of indexing over the
   * last seconds (time spent indexing, so that an indexer idle for want of work is not counted
   * slow), or null when nothing was indexed lately (idle, paused, stuck). With `sampled`, null
   * also when too few logs were indexed for the figure to say what the indexer can do.
   */
  drainRate(sampled = false): number | null {
    this.forgetOldRates()
    let rows = 0
    let ms = 0
    for (const r of this.recent) {
      rows += r.rows
      ms += r.ms
    }
    if (rows === 0 || (sampled && rows < RATE_SAMPLE)) return null
    return (rows * 1000) / Math.max(ms, 1)
  }

  /**
   * Seconds until `logs` more waiting logs would have been processed at the recent rate: what a
   * full queue answers in Retry-After, at least 1 and at most 60. With no rate measured yet (the
   * queue filled before anything of it was indexed), 1: ask again, the next answer is measured.
   * 60 when nothing drains: indexing paused or failing, or nothing indexed for 10 s.
   */
  secondsToDrain(logs: number): number {
    if (!this.running || this.paused || this.indexer.status.last_error !== null) return MAX_RETRY_AFTER_S
    const rate = this.drainRate()
    if (rate === null) {
      const stuck = this.waitingSince !== null && this.clock() - this.waitingSince > RATE_WINDOW_MS
      return stuck ? MAX_RETRY_AFTER_S : 1
    }
    return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(logs / rate)))
  }

  status() {
    return {
      running: this.running && !this.paused,
      processed: this.processedTotal,
      drain_rate: Math.round(this.drainRate() ?? 0),
      last_error: this.indexer.status.last_error,
    }
  }
}
