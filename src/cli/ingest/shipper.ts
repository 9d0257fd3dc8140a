import { randomBytes } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import type { BytesTransport } from '../../client/bytes-transport.js'
import type { RawResponse } from '../../client/index.js'
import { LAST_LOG_ID_HEADER, LOG_LIMITS } from '../../contract/ingest.js'
import { classify, detailOf, isBusy, type Outcome, perLogErrors } from './answers.js'
import { type BackoffOptions, backoffDelay, withJitter } from '../runtime/backoff.js'
import { BatchBody } from './batch-body.js'
import { type Clock, realClock } from './clock.js'
import { RetryEpisodes } from './retry-episodes.js'
import type { FailurePolicy, ShipperEvent, ShipperFatal, ShipperOptions, ShipperStats } from './shipper-types.js'

export { FAILURE_POLICIES } from './shipper-types.js'
export type { FailurePolicy, ShipperEvent, ShipperFatal, ShipperOptions, ShipperStats } from './shipper-types.js'

interface Batch {
  /** The request body (a view of `data`'s buffer). */
  body: Buffer
  /** Logs and their lines; its buffers go to a later batch once this one is settled. */
  data: BatchBody
  idempotencyKey: string
  /** When its current run of failures began (a busy answer ends it: the daemon is there). */
  failingSince: number | null
  lastError: string
}

const BATCH_PATH = '/api/v1/ingest/batch'

/**
 * Ships serialised logs to `POST /api/v1/ingest/batch`: batches of up to 1000 logs or ~1 MiB,
 * sent at the latest `lingerMs` after their first log, several in flight, each with its own
 * `Idempotency-Key` kept across its retries (so a retry never stores a log twice). A busy
 * daemon (429, 503) is waited for as long as its `Retry-After` says, with jitter, however long
 * that takes: busy is not failure. Failures (unreachable, other 5xx) are retried with backoff
 * and jitter until the give-up window of the failure policy; 401/403 stop everything. Memory is
 * bounded: `saturated` tells the reader to pause, `onDrain` to go on.
 */
export class Shipper {
  readonly stats: ShipperStats = {
    logs: 0,
    accepted: 0,
    rejected: 0,
    undelivered: 0,
    batches: 0,
    requests: 0,
    retries: 0,
    replayed: 0,
    pending: 0,
    failing: null,
    waiting: null,
    busyWaitMs: 0,
    lastLogId: 0,
    withoutLogId: 0,
  }
  /** Called when `saturated` turns false again. */
  onDrain: (() => void) | null = null
  /** Called once when shipping stops for good (see `fatal`). */
  onFatal: ((fatal: ShipperFatal) => void) | null = null
  fatal: ShipperFatal | null = null

  private readonly transport: BytesTransport
  private readonly policy: FailurePolicy
  private readonly giveUpAfterMs: number
  private readonly maxLogs: number
  private readonly maxBytes: number
  private readonly lingerMs: number
  private readonly concurrency: number
  private readonly bound: number
  private readonly backoff: BackoffOptions
  private readonly emit: (event: ShipperEvent) => void
  private readonly random: () => number
  private readonly clock: Clock

  private body: BatchBody
  private linger: unknown = null
  private readonly queue: Batch[] = []
  private readonly inFlight = new Set<Batch>()
  /** Buffers of settled batches, for the next ones. */
  private readonly spare: BatchBody[] = []
  /** No request leaves before this time (a Retry-After applies to every batch). */
  private notBefore = 0
  private readonly episodes: RetryEpisodes
  /** Aborted to stop everything at once. */
  private readonly stop = new AbortController()
  private readonly halt = this.stop.signal
  /** When the input ended (retrying failures stops a give-up window after it). */
  private endedAt: number | null = null
  private idleWaiters: Array<() => void> = []

  constructor(options: ShipperOptions) {
    this.transport = options.transport
    this.policy = options.onFailure ?? 'retry'
    this.giveUpAfterMs = options.giveUpAfterMs ?? 60_000
    this.maxLogs = Math.min(LOG_LIMITS.batch, Math.max(1, options.maxBatchLogs ?? LOG_LIMITS.batch))
    this.maxBytes = options.maxBatchBytes ?? 1024 * 1024
    this.body = new BatchBody(this.maxBytes, this.maxLogs)
    this.lingerMs = options.lingerMs ?? 200
    this.concurrency = Math.max(1, options.concurrency ?? 4)
    this.bound = this.concurrency + Math.max(0, options.maxQueued ?? 4)
    this.backoff = options.backoff ?? {}
    this.emit = options.onEvent ?? (() => {})
    this.random = options.random ?? Math.random
    this.clock = options.clock ?? realClock
    this.episodes = new RetryEpisodes(this.stats, this.emit, this.clock)
    // Every request and every wait listens to `halt`.
    setMaxListeners(4 * this.bound + 16, this.halt)
  }

  /** True when the reader should pause: enough batches are in flight and waiting. */
  get saturated(): boolean {
    return this.queue.length + this.inFlight.size >= this.bound
  }

  get stopped(): boolean {
    return this.stop.signal.aborted
  }

  /** Adds one log (a JSON object string); `line` identifies it in `rejected` events. */
  add(json: string, line: number): void {
    if (this.stopped) {
      this.stats.logs++
      this.stats.undelivered++
      return
    }
    if (this.body.count > 0 && this.body.sizeWith(json, this.maxBytes) > this.maxBytes) this.seal()
    this.body.append(json, line)
    this.stats.logs++
    if (this.body.count >= this.maxLogs) this.seal()
    else if (this.linger === null) this.linger = this.clock.setTimeout(() => this.seal(), this.lingerMs)
  }

  /**
   * The input has ended: sends what is left and resolves once every log is delivered, refused or
   * given up. Under `retry`, failing batches are given up `giveUpAfterMs` from now (a busy
   * daemon is still waited for).
   */
  async finish(): Promise<void> {
    this.seal()
    this.endedAt ??= this.clock.now()
    await this.idle()
  }

  /** Stops at once: requests in flight are abandoned and everything unsent counts as undelivered. */
  abort(): void {
    if (this.stopped) return
    this.stop.abort()
    this.dropUnsent()
    this.checkIdle()
  }

  /**
   * Checks the credential before any log is sent (`GET /api/v1/queue/depth`), so a wrong key
   * stops the command at once. Returns the fatal error, or null (also when the daemon cannot be
   * reached: batches retry then).
   */
  async checkCredential(): Promise<ShipperFatal | null> {
    let res: RawResponse
    try {
      res = await this.transport.request('GET', '/api/v1/queue/depth', null, {}, this.halt)
    } catch {
      return null
    }
    if (res.status === 401 || res.status === 403) {
      const fatal: ShipperFatal = { status: res.status, detail: detailOf(res), auth: true }
      this.fail(fatal)
      return fatal
    }
    return null
  }

  /** Resolves when nothing is pending (every batch settled). */
  private idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight.size === 0 && this.body.count === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private checkIdle(): void {
    this.stats.pending = this.queue.length + this.inFlight.size
    if (this.stats.pending === 0 && this.body.count === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const w of waiters) w()
    }
  }

  private seal(): void {
    if (this.linger !== null) {
      this.clock.clearTimeout(this.linger)
      this.linger = null
    }
    if (this.body.count === 0) return
    const batch: Batch = {
      data: this.body,
      body: this.body.finish(),
      idempotencyKey: `ingest-${randomBytes(16).toString('base64url')}`,
      failingSince: null,
      lastError: '',
    }
    this.body = new BatchBody(this.maxBytes, this.maxLogs, this.spare.pop())
    if (this.stopped) {
      this.giveUpBatch(batch, 'shipping stopped')
      return
    }
    this.queue.push(batch)
    this.pump()
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency && this.queue.length > 0 && !this.stopped) {
      const batch = this.queue.shift()!
      this.inFlight.add(batch)
      void this.deliver(batch).finally(() => {
        this.inFlight.delete(batch)
        // No request holds the body any more (an abandoned one may: its buffer is not reused).
        if (!this.stopped && this.spare.length < this.bound) this.spare.push(batch.data)
        this.pump()
        this.checkIdle()
        if (!this.saturated && this.onDrain) this.onDrain()
      })
    }
    this.stats.pending = this.queue.length + this.inFlight.size
  }

  /** Sends one batch until it is settled: delivered, refused, given up or stopped. */
  private async deliver(batch: Batch): Promise<void> {
    let attempt = 0
    for (;;) {
      // A Retry-After seen by any batch holds every batch back, each with its own jitter (and
      // one that comes while waiting holds it back further).
      while (!this.stopped) {
        const t0 = this.clock.now()
        const held = this.notBefore - t0
        if (held <= 0 || t0 >= this.deadline(batch)) break
        await this.pause(Math.min(withJitter(held, this.random), this.deadline(batch) - t0))
      }
      if (this.stopped) return this.giveUpBatch(batch, 'shipping stopped')
      if (this.clock.now() >= this.deadline(batch)) return this.timedOut(batch)

      const outcome = await this.post(batch)
      switch (outcome.kind) {
        case 'done':
          this.episodes.succeeded()
          return this.settle(batch, outcome.res)
        case 'rejected':
          this.episodes.succeeded()
          this.stats.rejected += batch.data.count
          for (let i = 0; i < batch.data.count; i++)
            this.emit({ kind: 'rejected', line: batch.data.lineAt(i), detail: outcome.detail })
          return
        case 'fatal':
          this.fail(outcome.fatal)
          return this.giveUpBatch(batch, outcome.fatal.detail)
        case 'aborted':
          return this.stopped ? this.giveUpBatch(batch, 'shipping stopped') : this.timedOut(batch)
        case 'retry': {
          const now = this.clock.now()
          const busy = isBusy(outcome)
          // Busy is not failure: the daemon answered, and said when to come back.
          if (busy) batch.failingSince = null
          else batch.failingSince ??= now
          batch.lastError = outcome.reason
          if (outcome.retryAfterMs !== null) {
            const wait = Math.min(outcome.retryAfterMs, this.backoff.maxRetryAfterMs ?? 60_000)
            this.notBefore = Math.max(this.notBefore, now + wait)
            this.episodes.retrying(outcome, busy, wait)
            // The top of the loop waits for it.
            continue
          }
          const delay = backoffDelay(attempt++, null, this.backoff, this.random)
          this.episodes.retrying(outcome, busy, delay)
          await this.pause(Math.min(now + delay, this.deadline(batch)) - now)
        }
      }
    }
  }

  /** Waits `ms` unless stopped first; true when the wait ran its course. */
  private pause(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(true)
    return this.clock.sleep(ms, this.halt)
  }

  /**
   * When retrying this batch stops: never while it is not failing (a busy daemon is waited
   * for); under `retry`, a give-up window after the end of input (or after its failures began,
   * if later); under `fail` and `drop`, a give-up window after its failures began.
   */
  private deadline(batch: Batch): number {
    if (batch.failingSince === null) return Number.POSITIVE_INFINITY
    if (this.policy !== 'retry') return batch.failingSince + this.giveUpAfterMs
    if (this.endedAt === null) return Number.POSITIVE_INFINITY
    return Math.max(this.endedAt, batch.failingSince) + this.giveUpAfterMs
  }

  /** One request; a failing batch's request is abandoned when its give-up time comes. */
  private async post(batch: Batch): Promise<Outcome> {
    this.stats.requests++
    let signal = this.halt
    let timer: unknown = null
    const left = this.deadline(batch) - this.clock.now()
    if (Number.isFinite(left)) {
      const giveUp = new AbortController()
      timer = this.clock.setTimeout(() => giveUp.abort(), left)
      signal = AbortSignal.any([this.halt, giveUp.signal])
    }
    let res: RawResponse
    try {
      res = await this.transport.request(
        'POST',
        BATCH_PATH,
        batch.body,
        { 'content-type': 'application/json', 'idempotency-key': batch.idempotencyKey },
        signal,
      )
    } catch (err) {
      if (signal.aborted) return { kind: 'aborted' }
      return { kind: 'retry', reason: (err as Error).message, status: null, retryAfterMs: null }
    } finally {
      if (timer !== null) this.clock.clearTimeout(timer)
    }
    return classify(res, this.transport.baseUrl, this.clock.now())
  }

  private settle(batch: Batch, res: RawResponse): void {
    this.stats.batches++
    if (res.headers['idempotent-replayed'] === 'true') this.stats.replayed++
    const lastLogId = Number(res.headers[LAST_LOG_ID_HEADER])
    if (Number.isSafeInteger(lastLogId) && lastLogId > 0) this.stats.lastLogId = Math.max(this.stats.lastLogId, lastLogId)
    else if (res.headers[LAST_LOG_ID_HEADER] === undefined) this.stats.withoutLogId++
    const body = res.body as { accepted?: unknown; rejected?: unknown; errors?: unknown } | null
    const count = batch.data.count
    const accepted = typeof body?.accepted === 'number' ? body.accepted : count
    const rejected = typeof body?.rejected === 'number' ? body.rejected : count - accepted
    this.stats.accepted += accepted
    this.stats.rejected += rejected
    for (const { index, detail } of perLogErrors(body))
      this.emit({ kind: 'rejected', line: batch.data.lineAt(index), detail })
  }

  /** A batch whose retry time is over: what the policy says. */
  private timedOut(batch: Batch): void {
    const reason = `gave up after ${Math.round(this.giveUpAfterMs / 1000)} s: ${batch.lastError || 'no answer'}`
    if (this.policy === 'fail' && !this.stopped) {
      this.fail({ status: null, detail: reason, auth: false })
    }
    this.giveUpBatch(batch, reason)
  }

  private giveUpBatch(batch: Batch, reason: string): void {
    this.undelivered(batch.data, reason)
  }

  private undelivered(data: BatchBody, reason: string): void {
    this.stats.undelivered += data.count
    this.emit({ kind: 'undelivered', lines: data.count, firstLine: data.firstLine, lastLine: data.lastLine, reason })
  }

  private fail(fatal: ShipperFatal): void {
    if (this.fatal) return
    this.fatal = fatal
    this.abort()
    this.onFatal?.(fatal)
  }

  /** Batches never sent (queued, and the one being filled) count as undelivered. */
  private dropUnsent(): void {
    if (this.linger !== null) {
      this.clock.clearTimeout(this.linger)
      this.linger = null
    }
    if (this.body.count > 0) {
      this.undelivered(this.body, 'not sent')
      this.body = new BatchBody(this.maxBytes, this.maxLogs)
    }
    for (const batch of this.queue.splice(0)) this.giveUpBatch(batch, 'not sent')
  }
}
