import type { IndexedRange, Indexer } from '../types.js'
import { insertInOrder } from '../../../shared/sorted.js'

/**
 * The "indexer" of PostgreSQL: a log's full text is made by the INSERT that stores it, so it is
 * processed (searchable, sent to tails) once committed. This announces each committed range:
 * the commits of this daemon at once, those of other daemons on the same database as their
 * notifications arrive (`bus.ts`: each commit notifies, in its own transaction, with its counts
 * per project). Paused (benchmarks, tests of a full queue), it holds the announcements back.
 *
 * Which projects a range holds must be known for the tails (a feed reads only the projects the
 * range names): ranges of other daemons that were not heard of (the bus was cut, or this
 * daemon's own commit came back before the notification of an earlier one) are announced as
 * `unknown`, and every project's tails read them.
 */
export class CommitFeed implements Indexer {
  private readonly listeners = new Set<(r: IndexedRange) => void>()
  private announced: number
  /** The largest id known to be committed. */
  private known: number
  /** Every commit with ids up to this was heard of on the bus (or was before its last resync). */
  private heard: number
  /** This daemon's commits above `heard`, oldest first. */
  private ownAhead: Array<{ after: number; upTo: number }> = []
  private pendingRows = 0
  /** Logs of other daemons heard of since the last announcement, per project. */
  private others = new Map<number, number>()
  private othersUnknown = false
  /** The bus is cut: commits of others may go unheard. */
  private deaf = true
  private readonly whenReady: Promise<void>
  private markReady!: () => void
  paused = false

  constructor(lastLogId: number) {
    this.announced = lastLogId
    this.known = lastLogId
    this.heard = lastLogId
    this.whenReady = new Promise((resolve) => (this.markReady = resolve))
  }

  /** This daemon committed the logs `after < id ≤ upTo` (`rows` of them). */
  stored(after: number, upTo: number, rows: number): void {
    if (upTo > this.known) this.known = upTo
    this.pendingRows += rows
    if (!this.deaf && upTo > this.heard) {
      // In id order (concurrent commits may complete out of it).
      insertInOrder(this.ownAhead, { after, upTo }, (r) => r.after)
    }
  }

  /**
   * The bus heard of a commit (in commit order): this daemon's own (`own`), or another's with
   * its counts per project (null: too many projects to say).
   */
  heardCommit(upTo: number, counts: ReadonlyMap<number, number> | null, own: boolean): void {
    if (upTo <= this.heard) return
    this.heard = upTo
    while (this.ownAhead.length > 0 && this.ownAhead[0]!.upTo <= upTo) this.ownAhead.shift()
    if (own || upTo <= this.announced) return
    if (counts === null) this.othersUnknown = true
    else for (const [p, n] of counts) this.others.set(p, (this.others.get(p) ?? 0) + n)
    if (upTo > this.known) this.known = upTo
    this.kick()
  }

  /** `log_ids` read `last`: commits up to it are done (some may not be heard of yet). */
  polled(last: number): void {
    if (last <= this.known) return
    this.known = last
    this.kick()
  }

  /** The bus was cut: until `resync`, what others commit is announced as `unknown`. */
  lost(): void {
    this.deaf = true
    this.ownAhead = []
  }

  /** The bus listens again and `log_ids` read `last` after that: commits up to it are announced. */
  resync(last: number): void {
    this.deaf = false
    if (last > this.known) this.known = last
    if (last > this.heard) this.heard = last
    this.othersUnknown = true
    this.markReady()
    this.kick()
  }

  subscribe(listener: (r: IndexedRange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /**
   * Announces everything committed so far. Also when nothing is new: the queue calls this after
   * counting a commit that a notification may have announced already, and must hear of it again.
   */
  kick(): void {
    if (this.paused) return
    let unknown = this.othersUnknown || this.deaf
    if (!unknown) {
      // Ids above `heard` must all be this daemon's own, else some other commit is unheard.
      let cursor = this.heard
      for (const r of this.ownAhead) {
        if (r.after > cursor) break
        cursor = Math.max(cursor, r.upTo)
      }
      unknown = cursor < this.known
    }
    const others = unknown ? ('unknown' as const) : this.others.size > 0 ? this.others : undefined
    const range: IndexedRange = { upTo: this.known, rows: this.pendingRows, ms: 0, ...(others ? { others } : {}) }
    this.announced = this.known
    this.pendingRows = 0
    this.others = new Map()
    this.othersUnknown = false
    for (const l of this.listeners) l(range)
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    this.kick()
  }

  /** Once the bus listens (or gave up trying for now: it goes on trying). */
  ready(): Promise<void> {
    return this.whenReady
  }

  /** The bus could not connect at start: the daemon starts anyway (it keeps trying). */
  giveUpWaiting(): void {
    this.markReady()
  }

  get status() {
    return { running: true, paused: this.paused, indexed_upto: this.announced, last_error: null }
  }
}
