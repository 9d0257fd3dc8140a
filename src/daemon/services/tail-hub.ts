import type { Database } from 'better-sqlite3'
import type { SearchNode } from '../../contract/search-query.js'
import { compileFilter, type MatchableRow, matchable } from '../db/log-match.js'
import type { StoredLogFilter } from '../db/log-reads.js'
import type { LogRow } from '../db/logs.js'
import { fulltextMatchesInRange, projectLogsInRange } from '../db/tail-reads.js'
import type { LogEvents, ProcessedBatch } from './log-events.js'
import { toLog } from './logs.js'

/** One event of a tail, ready to send: the log's id and its JSON (made once for every tail). */
export interface TailFrame {
  readonly id: number
  readonly data: string
}

/** What a feed needs of a tail that it fans out to. */
export interface FedTail {
  readonly filter: StoredLogFilter
  /** Every id up to this has been looked at for this tail. */
  position: number
  /** Takes the frames that match its filter (in id order; it skips those up to `position`). */
  push(frames: readonly TailFrame[]): void
  /** The feed's reading moved on: a tail reading by itself may read further. */
  nudge(): void
}

// Rows per read of a project's new logs: a feed far behind reads in bounded steps.
const CHUNK = 5000
// A feed reads at most this often, and waits at least READ_PACING times as long as its last read
// took, so that tails never take more than a fifth of the daemon's time, however many.
const MIN_READ_INTERVAL_MS = 50
const READ_PACING = 4

interface Group {
  readonly match: (r: MatchableRow) => boolean
  readonly search: SearchNode | undefined
  readonly searchKey: string
  readonly tails: Set<FedTail>
}

/**
 * The new logs of one project, read once per processed range and fanned out in memory to every
 * tail of the project that is caught up ("attached"). Tails with the same filter form a group:
 * the filter is evaluated once per log for the whole group, full text once per distinct query
 * and range (by FTS5, see tail-reads.ts). Tails behind (resuming, slow) read by themselves up to
 * `readUpTo`, then attach.
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
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined
  private lastRead = 0
  private readCost = 0

  constructor(
    private readonly db: Database,
    readonly projectId: number,
    processedUpTo: number,
    private readonly onError: (err: unknown, tails: FedTail[]) => void,
    private readonly counters: { reads: number },
  ) {
    this.readUpTo = processedUpTo
    this.target = processedUpTo
  }

  get size(): number {
    return this.attachedCount + this.detached.size
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
      g = {
        match: compileFilter(t.filter),
        search: t.filter.search,
        searchKey: t.filter.search ? JSON.stringify(t.filter.search) : '',
        tails: new Set(),
      }
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

  /** A pass of processing committed: `batch.counts` says which projects got logs. */
  processed(batch: ProcessedBatch): void {
    this.target = batch.upTo
    if (batch.counts.has(this.projectId)) this.unread = true
    if (!this.unread || this.attachedCount === 0) {
      // Nothing of this project to read, or nobody to read it for: nothing to do but move on.
      this.readUpTo = this.target
      this.unread = false
      if (batch.counts.has(this.projectId)) this.nudge()
      return
    }
    this.schedule()
  }

  close(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout)
      clearImmediate(this.timer as NodeJS.Immediate)
    }
    this.timer = undefined
  }

  private schedule(): void {
    if (this.timer) return
    const interval = Math.max(MIN_READ_INTERVAL_MS, READ_PACING * this.readCost)
    this.timer = setTimeout(() => this.read(), Math.max(0, this.lastRead + interval - Date.now()))
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
    const started = performance.now()
    this.lastRead = Date.now()
    this.counters.reads++
    const after = this.readUpTo
    let rows: LogRow[]
    let upTo: number
    const frames: Array<TailFrame | undefined> = []
    try {
      rows = projectLogsInRange(this.db, this.projectId, after, this.target, CHUNK)
      upTo = rows.length === CHUNK ? rows.at(-1)!.id : this.target
      const matchables = rows.map(matchable)
      const searches = new Map<string, Set<number>>()
      for (const g of [...this.groups.values()]) {
        let ids: Set<number> | undefined
        if (g.search) {
          ids = searches.get(g.searchKey)
          if (!ids) searches.set(g.searchKey, (ids = fulltextMatchesInRange(this.db, g.search, after, upTo)))
          if (ids.size === 0) continue
        }
        const matched: TailFrame[] = []
        for (let i = 0; i < rows.length; i++) {
          if (ids && !ids.has(rows[i]!.id)) continue
          if (!g.match(matchables[i]!)) continue
          matched.push((frames[i] ??= frame(rows[i]!)))
        }
        if (matched.length === 0) continue
        for (const t of [...g.tails]) t.push(matched)
      }
    } catch (err) {
      this.onError(err, [...this.detached, ...[...this.groups.values()].flatMap((g) => [...g.tails])])
      return
    }
    this.readUpTo = upTo
    if (upTo >= this.target) this.unread = false
    this.readCost = performance.now() - started
    this.nudge()
    if (this.unread) {
      if (rows.length === CHUNK) this.timer = setImmediate(() => this.read())
      else this.schedule()
    }
  }
}

function frame(row: LogRow): TailFrame {
  return { id: row.id, data: JSON.stringify(toLog(row)) }
}

/** The feeds of every project with open tails, on one subscription to processed logs. */
export class TailHub {
  private readonly feeds = new Map<number, ProjectFeed>()
  private unsubscribe: (() => void) | undefined
  /** Reads of new logs made for attached tails, all projects together, since start. */
  readonly counters = { reads: 0 }

  constructor(
    private readonly db: Database,
    private readonly events: LogEvents,
    private readonly onError: (err: unknown, tails: FedTail[]) => void,
  ) {}

  /** The feed of a project, made (and the hub subscribed) on first use. */
  feed(projectId: number): ProjectFeed {
    let f = this.feeds.get(projectId)
    if (!f) {
      f = new ProjectFeed(this.db, projectId, this.events.processedUpTo, this.onError, this.counters)
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
