import type { LogFilter, TailEnd } from '../../contract/logs.js'
import type { Scope } from '../../contract/api-keys.js'
import type { LogFilterSpec, LogRecord } from '../storage/types.js'
import { badRequest, rateLimited } from './errors.js'
import type { ServiceContext } from './context.js'
import type { CredentialChange, CredentialEvents } from './credential-events.js'
import type { LogEvents } from './log-events.js'
import { logJson, searchGuard, storedFilter } from './logs.js'
import { type FedTail, type ProjectFeed, type TailFrame, TailHub } from './tail-hub.js'

export type { TailFrame } from './tail-hub.js'

// Ids looked at per read of a tail that reads by itself (behind): it catches up in bounded
// steps, never in one long synchronous scan.
const SCAN_SPAN = 20_000
// Frames a caught-up tail may hold unsent before it is set to read by itself again (its client
// reads slower than logs come), so a slow reader holds little memory: two of its feed's reads.
// (A frame's text is shared by every tail that gets it; the queue holds references.)
const MAX_QUEUED = 10_000
// How often open tails are checked against their credential's expiry.
const EXPIRY_CHECK_MS = 250

/** The credential a tail was opened with: what can end it. */
export type TailHolder =
  | { kind: 'key'; keyId: number; accountId: number; expiresAt: number | null }
  | { kind: 'account'; accountId: number; familyId: string; expiresAt: number }

/**
 * One live tail: where it is in the processed logs and what it keeps. Every id up to `position`
 * has been looked at (and sent, or queued, when it matched); events leave in id order, which is
 * the order the logs were processed, so resuming after the last id sent misses nothing and
 * repeats nothing. A tail that is caught up gets its events from its project's feed (one read
 * for every tail of the project); one that is behind reads by itself until it catches up.
 */
export class TailSubscription implements FedTail {
  private backlog: TailFrame[]
  private queue: TailFrame[] = []
  private attached = false
  private closed = false
  private wake: (() => void) | undefined
  /** Set by the transport: how to end the stream, saying why. */
  onEnd: ((end: TailEnd) => void) | undefined

  constructor(
    private readonly ctx: ServiceContext,
    private readonly events: LogEvents,
    /** The project's feed, which fans out to this tail once it is caught up. */
    readonly feed: ProjectFeed,
    readonly filter: LogFilterSpec,
    private readonly filterKey: string,
    public position: number,
    backlog: LogRecord[],
    readonly holder: TailHolder,
    private readonly release: (s: TailSubscription) => void,
  ) {
    this.backlog = backlog.map(frameOf)
    feed.add(this)
    this.tryAttach()
  }

  get projectId(): number {
    return this.filter.projectId
  }

  /** Events are waiting in memory: the transport may send them at once. */
  get ready(): boolean {
    return this.backlog.length > 0 || this.queue.length > 0
  }

  /**
   * The next events, at most `max`, and whether more may be ready right away (the tail is
   * behind). From memory while caught up; reads storage only while behind, at most SCAN_SPAN ids.
   */
  async next(max: number): Promise<{ events: TailFrame[]; more: boolean }> {
    if (this.closed) return { events: [], more: false }
    if (this.backlog.length > 0) return { events: this.backlog.splice(0, max), more: true }
    if (this.attached) {
      const events = this.queue.length <= max ? this.queue : this.queue.slice(0, max)
      this.queue = this.queue.length <= max ? [] : this.queue.slice(max)
      return { events, more: this.queue.length > 0 }
    }
    const upTo = Math.min(this.feed.readUpTo, this.events.processedUpTo, this.position + SCAN_SPAN)
    const from = this.position
    const { rows, scannedTo } = await searchGuard(() =>
      this.ctx.storage.logReads.after(this.filter, from, upTo, max),
    )
    if (this.closed) return { events: [], more: false }
    this.position = Math.max(this.position, scannedTo)
    this.tryAttach()
    return { events: rows.map(frameOf), more: !this.attached }
  }

  /** Calls `wake` (synchronously, so it must only schedule) when there may be more to send. */
  onWake(wake: () => void): void {
    this.wake = wake
  }

  push(frames: readonly TailFrame[]): void {
    if (this.closed) return
    const before = this.queue.length
    for (const f of frames) if (f.id > this.position) this.queue.push(f)
    if (this.queue.length > MAX_QUEUED) {
      // Its reader is slow: forget the queue and read by itself, from the first unsent event.
      this.position = this.queue[0]!.id - 1
      this.queue = []
      this.attached = false
      this.feed.detach(this, this.filterKey)
    }
    if (this.queue.length > before || !this.attached) this.wake?.()
  }

  /**
   * How long to wait before the next read from the database (behind): tails reading by
   * themselves share the feeds' pacing, so that catching up takes no more of the daemon either.
   */
  get waitMs(): number {
    return this.feed.waitMs
  }

  /** The transport spent this long sending this tail's events (see ProjectFeed.charge). */
  spent(ms: number): void {
    this.feed.charge(ms)
  }

  nudge(): void {
    if (!this.attached) this.wake?.()
  }

  /** Ends the stream, saying why (the transport sends it), then releases the tail. */
  end(end: TailEnd): void {
    if (this.closed) return
    this.onEnd?.(end)
    this.close()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.queue = []
    this.backlog = []
    this.feed.remove(this, this.filterKey)
    this.release(this)
  }

  private tryAttach(): void {
    if (this.attached || this.position < this.feed.readUpTo) return
    this.attached = true
    this.feed.attach(this, this.filterKey)
  }
}

function frameOf(row: LogRecord): TailFrame {
  return { id: row.id, data: logJson(row) }
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

export interface TailServiceOptions {
  /** Why an API key no longer grants a scope, or null while it does (one lookup). */
  keyStanding: (keyId: number, scope: Scope) => Promise<TailEnd | null>
  /** Whether a session (refresh-token family) has ended. */
  sessionEnded: (familyId: string) => Promise<boolean>
  credentials: CredentialEvents
  log: { error: (obj: unknown, msg: string) => void }
}

/**
 * Live tails of processed logs, with the same filters as a log read. Tails per API key and per
 * account are capped. A tail ends, saying why, as soon as the credential that opened it stops
 * being valid: the key and account services announce revocations (CredentialEvents), and a
 * timer watches expiry.
 */
export class TailService {
  private readonly open_ = new Set<TailSubscription>()
  private readonly hub: TailHub
  private readonly byKey = new Map<number, Set<TailSubscription>>()
  private readonly byFamily = new Map<string, Set<TailSubscription>>()
  private readonly perAccount = new Map<number, number>()
  private expiryTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly ctx: ServiceContext,
    private readonly events: LogEvents,
    private readonly opts: TailServiceOptions,
  ) {
    this.hub = new TailHub(ctx.storage.logReads, events, (err, tails) => {
      opts.log.error({ err }, 'live tail read failed; ending the tails of that project')
      for (const t of tails) (t as TailSubscription).close()
    })
    opts.credentials.subscribe((c) => this.credentialChanged(c))
  }

  /**
   * A tail of the project's logs processed after `lastEventId` (resuming), or from now on, with
   * the last `backlog` matching logs first. Validates everything (caps included) before
   * anything is streamed.
   */
  async open(
    holder: TailHolder,
    projectId: number,
    f: LogFilter & { backlog?: number },
    lastEventId: number | undefined,
  ): Promise<TailSubscription> {
    this.checkCaps(holder)
    const epoch = this.opts.credentials.epoch
    const filter = storedFilter(projectId, f)
    const reads = this.ctx.storage.logReads
    if (filter.search) await searchGuard(() => reads.checkSearchable(filter.search!))
    const now = this.events.processedUpTo
    const backlog =
      lastEventId === undefined && f.backlog ? await searchGuard(() => reads.last(filter, now, f.backlog!)) : []
    // Counted again after the reads: another tail may have opened meanwhile.
    this.checkCaps(holder)
    const { projectId: _, ...rest } = filter
    const sub = new TailSubscription(
      this.ctx,
      this.events,
      this.hub.feed(projectId),
      filter,
      JSON.stringify(rest),
      lastEventId ?? now,
      backlog,
      holder,
      (s) => this.released(s),
    )
    this.open_.add(sub)
    if (holder.kind === 'key') add(this.byKey, holder.keyId, sub)
    else add(this.byFamily, holder.familyId, sub)
    this.perAccount.set(holder.accountId, (this.perAccount.get(holder.accountId) ?? 0) + 1)
    // A credential that changed while storage answered may be the tail's: it is looked at again.
    if (this.opts.credentials.epoch !== epoch) void this.recheck(sub)
    if (holder.expiresAt !== null && !this.expiryTimer) {
      this.expiryTimer = setInterval(() => this.checkExpiry(), EXPIRY_CHECK_MS)
      this.expiryTimer.unref()
    }
    return sub
  }

  /** Open tails (for health figures and tests). */
  get count(): number {
    return this.open_.size
  }

  /** Deep health's figures: open tails, the projects they follow, and the shared reads made for them. */
  figures(): {
    open: number
    projects: number
    shared_reads: number
    busy_ms: number
    max_per_key: number
    max_per_account: number
  } {
    return {
      open: this.open_.size,
      projects: this.hub.size,
      shared_reads: this.hub.pacing.reads,
      busy_ms: Math.round(this.hub.pacing.busyMs),
      max_per_key: this.ctx.config.maxTailsPerKey,
      max_per_account: this.ctx.config.maxTailsPerAccount,
    }
  }

  /** Ends every tail (the daemon is closing): each stream says so, then is released. */
  closeAll(): void {
    for (const s of [...this.open_]) {
      s.end({ reason: 'shutdown', detail: 'The daemon is shutting down; reconnect with Last-Event-ID to resume' })
    }
  }

  private checkCaps(holder: TailHolder): void {
    const { maxTailsPerKey, maxTailsPerAccount } = this.ctx.config
    if (holder.kind === 'key') {
      const n = this.byKey.get(holder.keyId)?.size ?? 0
      if (n >= maxTailsPerKey) {
        throw rateLimited(
          `Too many live tails for this API key: ${n} are open, and the limit per key is ${maxTailsPerKey}; close one first`,
          10,
        )
      }
    }
    const n = this.perAccount.get(holder.accountId) ?? 0
    if (n >= maxTailsPerAccount) {
      throw rateLimited(
        `Too many live tails for this account: ${n} are open, and the limit per account is ${maxTailsPerAccount}; close one first`,
        10,
      )
    }
  }

  private released(s: TailSubscription): void {
    if (!this.open_.delete(s)) return
    const h = s.holder
    if (h.kind === 'key') remove(this.byKey, h.keyId, s)
    else remove(this.byFamily, h.familyId, s)
    const n = (this.perAccount.get(h.accountId) ?? 1) - 1
    if (n > 0) this.perAccount.set(h.accountId, n)
    else this.perAccount.delete(h.accountId)
    this.hub.release(s.feed)
    if (this.open_.size === 0 && this.expiryTimer) {
      clearInterval(this.expiryTimer)
      this.expiryTimer = undefined
    }
  }

  private credentialChanged(c: CredentialChange): void {
    if (c.kind === 'key') {
      const subs = this.byKey.get(c.keyId)
      if (!subs || subs.size === 0) return
      // One lookup for all the key's tails (and those opened while it runs).
      void this.opts.keyStanding(c.keyId, 'read').then(
        (end) => {
          if (end) for (const s of [...(this.byKey.get(c.keyId) ?? [])]) s.end(end)
        },
        (err: unknown) => this.opts.log.error({ err }, 'could not check an API key for its live tails'),
      )
    } else if (c.kind === 'session') {
      for (const s of [...(this.byFamily.get(c.familyId) ?? [])]) s.end(c.end)
    } else {
      // A project deleted elsewhere (its keys' tails), or news possibly missed (every tail).
      for (const s of [...this.open_]) {
        if (c.kind === 'any' || (s.holder.kind === 'key' && s.projectId === c.projectId)) void this.recheck(s)
      }
    }
  }

  private async recheck(sub: TailSubscription): Promise<void> {
    const h = sub.holder
    try {
      if (h.kind === 'key') {
        const end = await this.opts.keyStanding(h.keyId, 'read')
        if (end) sub.end(end)
      } else if (await this.opts.sessionEnded(h.familyId)) {
        sub.end({ reason: 'session_revoked', detail: 'The session of this access token was revoked' })
      }
    } catch (err) {
      this.opts.log.error({ err }, 'could not check the credential of a live tail')
    }
  }

  private checkExpiry(): void {
    const now = this.ctx.now()
    for (const s of [...this.open_]) {
      const h = s.holder
      if (h.expiresAt === null || h.expiresAt > now) continue
      s.end(
        h.kind === 'key'
          ? { reason: 'key_expired', detail: `API key ${h.keyId} has expired` }
          : { reason: 'token_expired', detail: 'The access token has expired; refresh it and reconnect with Last-Event-ID' },
      )
    }
  }
}

function add<K>(m: Map<K, Set<TailSubscription>>, k: K, s: TailSubscription): void {
  let set = m.get(k)
  if (!set) m.set(k, (set = new Set()))
  set.add(s)
}

function remove<K>(m: Map<K, Set<TailSubscription>>, k: K, s: TailSubscription): void {
  const set = m.get(k)
  if (!set) return
  set.delete(s)
  if (set.size === 0) m.delete(k)
}
