import type { LogFilterSpec, LogFrame, LogReadStore } from '../storage/types.js'
import type { LogEvents, ProcessedBatch } from './log-events.js'

/** One event of a tail, ready to send: the log's id and its JSON (made once for every tail). */
export type TailFrame = Readonly<LogFrame>

/** What a feed needs of a tail that it fans out to. */
export interface FedTail {
  readonly filter: LogFilterSpec
  /** Every id up to this has been looked at for this tail. */
  position: number
  /** Takes the frames that match its filter (in id order; it skips those up to `position`). */
  push(frames: readonly TailFrame[]): void
  /** The feed's reading moved on: a tail reading by itself may read further. */
  nudge(): void
}

// Ids per read of a project's new logs (ids count every project's logs): a feed far behind
// reads in bounded steps.
const ID_SPAN = 5000
// A feed reads at most this often. And after any feed's read, no feed reads again before
// READ_PACING times as long as that read took has passed: however many tails and projects,
// tails never take more than about a fifth of the daemon's time (they fall behind instead).
const MIN_READ_INTERVAL_MS = 50
const READ_PACING = 4

/** When the next read of any feed may start (Date.now() ms); shared by a hub's feeds. */
interface Pacing {
  nextReadAt: number
  reads: number
  /** Main-thread time spent reading and sending for tails, ms, since start. */
  busyMs: number
}

interface Group {
  readonly filter: LogFilterSpec
  /** No condition but the project: every log. */
  readonly everything: boolean
  readonly tails: Set<FedTail>
}

/**
 * The new logs of one project, read once per processed range and fanned out in memory to every
 * tail of the project that is caught up ("attached"). Tails with the same filter form a group,
 * and each group's filter is evaluated once per range by the storage's log read (ids only: the
 * same answers as GET /logs, full text included); the rows that any group keeps are then
 * read once, turned into JSON once, and handed to every tail that wants them. Tails behind
 * (resuming, slow) read by themselves up to `readUpTo`, then attach.
 */
export class ProjectFeed {
  /** Every processed log of the project with an id up to this was handed to the attached tails. */
  readUpTo: number
  /** Logs are processed up to this id; those between `readUpTo` and it are not read yet. */
  private target: number
  /** Some log of this project was processed above `readUpTo`. */
  private unread = false
  private readonly groups = new Map<string, Group>()
  private readonly detached = new Set<FedTail>()
  private attachedCount = 0
  private timer: NodeJS.Timeout | undefined
  /** A read is under way (the storage answers asynchronously): no second one starts. */
  private reading = false
  private lastRead = 0

  constructor(
    private readonly reads: LogReadStore,
    readonly projectId: number,
    processedUpTo: number,
    private readonly onError: (err: unknown, tails: FedTail[]) => void,
    private readonly pacing: Pacing,
  ) {
    this.readUpTo = processedUpTo
    this.target = processedUpTo
  }

  get size(): number {
    return this.attachedCount + this.detached.size
  }

  /**
   * Time spent elsewhere for these tails (sending their events): it delays the next read of
   * every feed as a read's own time does, so that reading and sending together stay within the
   * tails' share of the daemon.
   */
  charge(ms: number): void {
    this.pacing.busyMs += ms
    this.pacing.nextReadAt = Math.max(this.pacing.nextReadAt, Date.now()) + READ_PACING * ms
  }

  /** How long a read for these tails should wait yet (pacing shared by every feed). */
  get waitMs(): number {
    return Math.max(0, this.pacing.nextReadAt - Date.now())
  }

  /** A tail of this project that reads by itself until it catches up. */
  add(t: FedTail): void {
    this.detached.add(t)
  }

  /** Fans out to `t` from now on; it must have looked at every id up to `readUpTo`. */
  attach(t: FedTail, filterKey: string): void {
    if (!this.detached.delete(t)) return
    let g = this.groups.get(filterKey)
    if (!g) {
      const f = t.filter
      const everything =
        !f.search && !f.levels?.length && !f.logTypes?.length && f.environment === undefined &&
        f.release === undefined && !f.attr?.length && f.from === undefined && f.to === undefined
      g = { filter: f, everything, tails: new Set() }
      this.groups.set(filterKey, g)
    }
    g.tails.add(t)
    this.attachedCount++
  }

  /** Stops fanning out to `t` (it reads by itself again). */
  detach(t: FedTail, filterKey: string): void {
    const g = this.groups.get(filterKey)
    if (!g?.tails.delete(t)) return
    this.attachedCount--
    if (g.tails.size === 0) this.groups.delete(filterKey)
    this.detached.add(t)
  }

  remove(t: FedTail, filterKey: string): void {
    this.detach(t, filterKey)
    this.detached.delete(t)
  }

  /** A pass of processing committed: `batch.counts` says which projects got logs (`anyProject`: maybe any). */
  processed(batch: ProcessedBatch): void {
    this.target = batch.upTo
    const mine = batch.anyProject || batch.counts.has(this.projectId)
    if (mine) this.unread = true
    if (!this.unread || this.attachedCount === 0) {
      // Nothing of this project to read, or nobody to read it for: nothing to do but move on.
      this.readUpTo = this.target
      this.unread = false
      if (mine) this.nudge()
      return
    }
    this.schedule()
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Plans the next read: at the interval, or (`soon`: a read left more) as soon as pacing allows. */
  private schedule(soon = false): void {
    if (this.timer || this.reading) return
    const at = Math.max(soon ? 0 : this.lastRead + MIN_READ_INTERVAL_MS, this.pacing.nextReadAt)
    this.timer = setTimeout(() => this.read(), Math.max(0, at - Date.now()))
  }

  private nudge(): void {
    for (const t of this.detached) t.nudge()
  }

  private read(): void {
    this.timer = undefined
    if (!this.unread) return
    if (this.attachedCount === 0) {
      this.readUpTo = this.target
      this.unread = false
      this.nudge()
      return
    }
    this.reading = true
    void this.readRange().finally(() => {
      this.reading = false
      if (this.unread) this.schedule(this.readUpTo < this.target)
    })
  }

  /** Reads the next id range for every group, then hands each tail its frames at once. */
  private async readRange(): Promise<void> {
    const started = performance.now()
    this.lastRead = Date.now()
    this.pacing.reads++
    const after = this.readUpTo
    const upTo = Math.min(this.target, after + ID_SPAN)
    const frames = new Map<number, TailFrame>()
    // Which logs each group keeps, then those rows, once. A group made while the storage
    // answered (a tail attached meanwhile) is looked at too, before anything is handed out.
    const kept = new Map<Group, readonly number[] | null>()
    let all = false
    try {
      for (;;) {
        // Groups that want every log first: their read gives the others' logs too.
        const fresh = [...this.groups.values()]
          .filter((g) => !kept.has(g))
          .sort((a, b) => Number(b.everything) - Number(a.everything))
        if (fresh.length === 0) break
        const wanted: number[] = []
        for (const g of fresh) {
          if (g.everything) {
            kept.set(g, null)
            if (!all) {
              all = true
              for (const f of await this.reads.framesInRange(this.projectId, after, upTo)) frames.set(f.id, f)
            }
            continue
          }
          const ids = await this.reads.idsInRange(g.filter, after, upTo)
          kept.set(g, ids)
          for (const id of ids) if (!frames.has(id)) wanted.push(id)
        }
        if (wanted.length > 0) {
          const unique = [...new Set(wanted)].sort((a, b) => a - b)
          for (const f of await this.reads.framesByIds(unique)) frames.set(f.id, f)
        }
      }
    } catch (err) {
      this.onError(err, [...this.detached, ...[...this.groups.values()].flatMap((g) => [...g.tails])])
      return
    }
    const inOrder = [...frames.values()].sort((a, b) => a.id - b.id)
    for (const g of this.groups.values()) {
      const ids = kept.get(g)
      if (ids === undefined) continue
      const matched = ids === null ? inOrder : ids.map((id) => frames.get(id)!)
      if (matched.length === 0) continue
      for (const t of [...g.tails]) t.push(matched)
    }
    this.readUpTo = upTo
    if (upTo >= this.target) this.unread = false
    const took = performance.now() - started
    this.pacing.busyMs += took
    this.pacing.nextReadAt = Date.now() + READ_PACING * took
    this.nudge()
  }
}

/** The feeds of every project with open tails, on one subscription to processed logs. */
export class TailHub {
  private readonly feeds = new Map<number, ProjectFeed>()
  private unsubscribe: (() => void) | undefined
  /** When the next read may start, and how many reads were made (all projects), since start. */
  readonly pacing: Pacing = { nextReadAt: 0, reads: 0, busyMs: 0 }

  constructor(
    private readonly reads: LogReadStore,
    private readonly events: LogEvents,
    private readonly onError: (err: unknown, tails: FedTail[]) => void,
  ) {}

  /** The feed of a project, made (and the hub subscribed) on first use. */
  feed(projectId: number): ProjectFeed {
    let f = this.feeds.get(projectId)
    if (!f) {
      f = new ProjectFeed(this.reads, projectId, this.events.processedUpTo, this.onError, this.pacing)
      this.feeds.set(projectId, f)
      this.unsubscribe ??= this.events.subscribe((batch) => {
        for (const feed of this.feeds.values()) feed.processed(batch)
      })
    }
    return f
  }

  /** Projects with open tails. */
  get size(): number {
    return this.feeds.size
  }

  /** Drops a feed nobody reads any more (and the subscription with the last one). */
  release(feed: ProjectFeed): void {
    if (feed.size > 0 || this.feeds.get(feed.projectId) !== feed) return
    feed.close()
    this.feeds.delete(feed.projectId)
    if (this.feeds.size === 0) {
      this.unsubscribe?.()
      this.unsubscribe = undefined
    }
  }
}
