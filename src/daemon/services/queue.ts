import type { Database } from 'better-sqlite3'
import type { FulltextState } from '../db/fulltext.js'
import { processQueueChunk, processedCountsAfter, queueCountsByProject } from '../db/logs.js'
import type { LogEvents } from './log-events.js'

// Rows per worker transaction. A pass holds the event loop for its whole transaction, and
// ingestion requests arriving meanwhile wait behind it: while logs keep coming in, passes are
// short (100 rows, ~2 ms here); when the worker only drains, they are long (500 rows, ~10 ms),
// which is cheaper per row.
const CHUNK = 500
const CHUNK_WHILE_INGESTING = 100

/** The drain rate behind a full queue's `Retry-After` is measured over this much recent time. */
const DRAIN_WINDOW_MS = 10_000
/** The longest `Retry-After` a full queue answers (also when nothing drains: a paused worker). */
export const MAX_RETRY_AFTER_S = 60

/** Moved logs not yet searchable: a worker pass's ids (up to `upTo`) and counts per project. */
interface Unindexed {
  upTo: number
  counts: Map<number, number>
}

/**
 * The ingestion queue's worker and its per-project depth. Accepted logs sit in `log_queue`
 * (durable since the accepting commit); the worker moves them, oldest first, into the indexed
 * `logs` table, and the full-text thread then makes them searchable. A log is processed once
 * both are done: depth counts the logs accepted and not processed yet. It is counted in memory,
 * seeded from the tables at start, so it is exact after a restart and costs nothing to read.
 */
export class QueueWorker {
  private readonly depths: Map<number, number>
  /** Passes whose logs the full-text thread has not indexed yet, oldest first. */
  private readonly unindexed: Unindexed[] = []
  private timer: NodeJS.Timeout | undefined
  private scheduled = false
  private running = false
  private paused = false
  private processedTotal = 0
  private lastError: string | null = null
  private failures = 0
  /** Logs were accepted since the last pass began: ingestion is going on. */
  private ingesting = false
  /** Logs processed (made searchable) in the last `DRAIN_WINDOW_MS`, by when. */
  private readonly drained: Array<{ at: number; n: number }> = []
  /** Since when the queue has held logs (null while it is empty): the drain rate's start. */
  private busySince: number | null = null
  /** The last drain rate measured (logs/s), for a queue that filled before a pass was processed. */
  private lastRate = 0

  constructor(
    private readonly db: Database,
    private readonly log: { error: (obj: unknown, msg: string) => void },
    /** Told of every processed range (live tails listen). */
    private readonly events: LogEvents,
    /** Where the full-text index stood at start (logs above it are moved but not searchable). */
    fulltext: FulltextState,
    /** Called after each pass that moved logs: the full-text thread's cue to index them. */
    private readonly onMoved: () => void,
    private readonly idleMs = 50,
    /** Real time, for the drain rate (not the daemon's injected clock: it measures the machine). */
    private readonly now: () => number = Date.now,
  ) {
    this.depths = queueCountsByProject(db)
    // Moved before the last stop, not indexed yet. A rebuild's backlog (logs stored before the
    // index was started again) is not waiting to be processed: it is not counted.
    const after = Math.max(fulltext.indexedUpTo, fulltext.rebuildUpTo)
    const { counts, upTo } = processedCountsAfter(db, after)
    if (upTo > after) {
      this.unindexed.push({ upTo, counts })
      for (const [project, n] of counts) this.depths.set(project, this.depth(project) + n)
    }
    if (this.totalDepth() > 0) this.busySince = this.now()
  }

  /**
   * The full-text thread has indexed every log up to `upTo`: those logs are processed. Their
   * projects' depths go down, and live tails hear of them.
   */
  indexed(upTo: number): void {
    const counts = new Map<number, number>()
    let processed = 0
    while (this.unindexed.length > 0 && this.unindexed[0]!.upTo <= upTo) {
      for (const [project, n] of this.unindexed.shift()!.counts) {
        counts.set(project, (counts.get(project) ?? 0) + n)
        const left = this.depth(project) - n
        if (left > 0) this.depths.set(project, left)
        else this.depths.delete(project)
        this.processedTotal += n
        processed += n
      }
    }
    if (processed > 0) this.drained.push({ at: this.now(), n: processed })
    if (this.depths.size === 0) this.busySince = null
    this.events.processed({ upTo, counts })
  }

  start(): void {
    this.running = true
    this.kick()
  }

  stop(): void {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Stops processing (accepting goes on); used by the benchmark and the queue-full tests. */
  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    this.kick()
  }

  depth(projectId: number): number {
    return this.depths.get(projectId) ?? 0
  }

  totalDepth(): number {
    let n = 0
    for (const d of this.depths.values()) n += d
    return n
  }

  /**
   * Logs processed per second lately: over the last 10 s, or since the queue last held logs
   * when that is more recent (counted as at least 1 s, so a first pass does not look like a
   * flood). 0 when nothing was processed in that time.
   */
  drainRate(): number {
    const now = this.now()
    const from = now - DRAIN_WINDOW_MS
    while (this.drained.length > 0 && this.drained[0]!.at <= from) this.drained.shift()
    let n = 0
    for (const d of this.drained) n += d.n
    if (n === 0) return 0
    const since = Math.max(from, this.busySince ?? from)
    this.lastRate = n / Math.max(1, (now - since) / 1000)
    return this.lastRate
  }

  /**
   * What a full queue answers in `Retry-After`: the project's waiting logs over the recent
   * drain rate, in whole seconds, at least 1 and at most `MAX_RETRY_AFTER_S`. Right after the
   * queue filled, before any pass was processed, the last rate measured (or 1 s, to ask again
   * once there is one); the most when nothing drains (the worker paused, stopped, failing, or
   * stuck for the whole window).
   */
  retryAfterSeconds(projectId: number): number {
    if (!this.running || this.paused || this.lastError !== null) return MAX_RETRY_AFTER_S
    const rate = this.drainRate()
    const depth = this.depth(projectId)
    let seconds: number
    if (rate > 0) seconds = depth / rate
    else if (this.busySince !== null && this.now() - this.busySince < DRAIN_WINDOW_MS)
      seconds = this.lastRate > 0 ? depth / this.lastRate : 1
    else return MAX_RETRY_AFTER_S
    return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(seconds)))
  }

  /** Called right after logs were committed to the queue. */
  accepted(projectId: number, n: number): void {
    if (this.busySince === null && n > 0) this.busySince = this.now()
    this.depths.set(projectId, this.depth(projectId) + n)
    this.ingesting = true
    this.kick()
  }

  status() {
    return {
      running: this.running && !this.paused,
      processed: this.processedTotal,
      last_error: this.lastError,
    }
  }

  /** Schedules a pass soon, once. */
  kick(): void {
    if (!this.running || this.paused || this.scheduled) return
    this.scheduled = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.pass(), 5)
  }

  private pass(): void {
    this.scheduled = false
    this.timer = undefined
    if (!this.running || this.paused) return
    let moved = 0
    const limit = this.ingesting ? CHUNK_WHILE_INGESTING : CHUNK
    this.ingesting = false
    try {
      const { counts, lastId } = processQueueChunk(this.db, limit)
      for (const n of counts.values()) moved += n
      this.lastError = null
      this.failures = 0
      if (moved > 0) this.unindexed.push({ upTo: lastId, counts })
    } catch (err) {
      this.lastError = (err as Error).message
      this.failures++
      // Back off (to 10 s) so a persistent failure neither spins nor floods the log.
      if (this.failures <= 3 || this.failures % 10 === 0) {
        this.log.error({ err, failures: this.failures }, 'queue worker pass failed; retrying')
      }
      this.scheduled = true
      this.timer = setTimeout(() => this.pass(), Math.min(10_000, this.idleMs * 2 ** this.failures))
      return
    }
    if (moved > 0) this.onMoved()
    // More to do: yield to the event loop, then go on. Idle: look again later.
    if (moved === limit) {
      this.scheduled = true
      setImmediate(() => this.pass())
    } else if (this.totalDepth() > 0) {
      this.scheduled = true
      this.timer = setTimeout(() => this.pass(), this.idleMs)
    }
  }
}
