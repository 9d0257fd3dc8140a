import type { LogFilter, TailEvent } from '../../contract/logs.js'
import { lastProcessedLogs, processedLogsAfter, type StoredLogFilter } from '../db/log-reads.js'
import type { LogRow } from '../db/logs.js'
import { badRequest } from '../errors.js'
import type { ServiceContext } from './context.js'
import type { LogEvents } from './log-events.js'
import { searchGuard, storedFilter, toLog } from './logs.js'

// Ids looked at per read: a tail far behind (or with rare matches) catches up in bounded steps,
// never in one long synchronous scan.
const SCAN_SPAN = 20_000

/**
 * One live tail: where it is in the processed logs and what it keeps. Every id up to `position`
 * has been looked at (and sent, when it matched); events leave in id order, which is the order
 * the worker processed them, so resuming after the last id sent misses nothing and repeats
 * nothing.
 */
export class TailSubscription {
  private backlog: LogRow[]
  private unsubscribe: (() => void) | undefined
  private closed = false
  /** Set by the transport: how to end the stream when the daemon closes. */
  onEnd: (() => void) | undefined

  constructor(
    private readonly ctx: ServiceContext,
    private readonly events: LogEvents,
    private readonly filter: StoredLogFilter,
    private position: number,
    backlog: LogRow[],
    private readonly release: (s: TailSubscription) => void,
  ) {
    this.backlog = backlog
  }

  get projectId(): number {
    return this.filter.projectId
  }

  /**
   * The next events, at most `max`, and whether more may be ready right away (the tail is
   * behind). Synchronous; reads at most SCAN_SPAN ids.
   */
  next(max: number): { events: TailEvent[]; more: boolean } {
    if (this.closed) return { events: [], more: false }
    if (this.backlog.length > 0) {
      const rows = this.backlog.splice(0, max)
      return { events: rows.map(event), more: true }
    }
    const upTo = Math.min(this.events.processedUpTo, this.position + SCAN_SPAN)
    const { rows, scannedTo } = searchGuard(() =>
      processedLogsAfter(this.ctx.db, this.filter, this.position, upTo, max),
    )
    this.position = scannedTo
    return { events: rows.map(event), more: this.position < this.events.processedUpTo }
  }

  /** Calls `wake` (synchronously, so it must only schedule) when logs of this project are processed. */
  onWake(wake: () => void): void {
    this.unsubscribe?.()
    this.unsubscribe = this.events.subscribe((batch) => {
      if (batch.counts.has(this.filter.projectId)) {
        wake()
      } else if (this.position >= batch.from && this.backlog.length === 0) {
        // Caught up, and nothing of this project in the pass: skip it without reading.
        this.position = batch.upTo
      }
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.unsubscribe?.()
    this.release(this)
  }
}

function event(row: LogRow): TailEvent {
  return { id: row.id, log: toLog(row) }
}

/** Parses `Last-Event-ID` (the header wins over `?last_event_id=`, as a browser resends it). */
export function lastEventIdOf(header: string | string[] | undefined, query: number | undefined): number | undefined {
  if (header === undefined) return query
  const v = Array.isArray(header) ? header[0] : header
  if (v === undefined || !/^\s*[0-9]{1,16}\s*$/.test(v)) {
    throw badRequest('Last-Event-ID must be the id of a log (a non-negative integer)')
  }
  return Number(v)
}

/** Live tails of processed logs, with the same filters as a log read. */
export class TailService {
  private readonly open_ = new Set<TailSubscription>()

  constructor(
    private readonly ctx: ServiceContext,
    private readonly events: LogEvents,
  ) {}

  /**
   * A tail of the project's logs processed after `lastEventId` (resuming), or from now on, with
   * the last `backlog` matching logs first. Validates everything before anything is streamed.
   */
  open(
    projectId: number,
    f: LogFilter & { backlog?: number },
    lastEventId: number | undefined,
  ): TailSubscription {
    const filter = storedFilter(projectId, f)
    const now = this.events.processedUpTo
    const backlog =
      lastEventId === undefined && f.backlog
        ? searchGuard(() => lastProcessedLogs(this.ctx.db, filter, now, f.backlog!))
        : []
    const sub = new TailSubscription(this.ctx, this.events, filter, lastEventId ?? now, backlog, (s) =>
      this.open_.delete(s),
    )
    this.open_.add(sub)
    return sub
  }

  /** Open tails (for health figures and tests). */
  get count(): number {
    return this.open_.size
  }

  /** Ends every tail (the daemon is closing): each stream is ended, then released. */
  closeAll(): void {
    for (const s of [...this.open_]) {
      s.onEnd?.()
      s.close()
    }
  }
}
