import { createHash } from 'node:crypto'
import { formatBatchError, sortBatchErrors } from '../../contract/batch-errors.js'
import {
  type BatchIngestResponse,
  type QueueDepth,
  type SingleIngestResponse,
  validateLog,
} from '../../contract/ingest.js'
import type { ServiceContext } from '../services/context.js'
import type { DomainError} from '../services/errors.js';
import { badRequest, conflict, rateLimited, unavailable } from '../services/errors.js'
import type { KeyPrincipal } from '../services/principal.js'
import type { RollingCounter } from '../services/rolling-counter.js'
import type { LogColumns, LogWrite } from '../storage/types.js'
import type { ProcessingQueue } from '../workers/processing-queue.js'
import { emptyColumns, pushLog } from './batch-decode.js'
import type { BatchDecoder } from './batch-decoder.js'
import type { BodyFormat } from './decode-body.js'
import type { SharedQuota } from '../services/shared-quota.js'
import type { OtlpEncoding } from './otlp/decode.js'

const DAY_MS = 86_400_000
export const IDEMPOTENCY_TTL_MS = DAY_MS

/** What an ingestion request answers: its body, and whether it is a replay. */
export interface IngestOutcome<B> {
  body: B
  replayed: boolean
  /**
   * The largest id given to a log this request stored (a replay: the original's), or null when
   * it stored none. Sent as `Ledger-Last-Log-Id`.
   */
  lastLogId: number | null
}

interface IdempotencyRecord {
  key: string
  bodyHash: string
}

/** Logs waiting for the next group commit, with the promise of the request that sent them. */
interface PendingWrite extends LogWrite {
  resolve: (lastLogId: number) => void
  reject: (err: unknown) => void
}

/**
 * Validates logs and stores them before answering: a 202 is durable. Requests that arrive
 * together are committed together (group commit): each waits for the next flush, which runs once
 * the event loop has taken in the requests already received. The accepting commit is the only
 * write of a log to the main file (with its per-minute counts); its text is indexed afterwards
 * (see ProcessingQueue).
 */
export class IngestService {
  private pending: PendingWrite[] = []
  private flushScheduled = false
  /** Rows waiting for a flush, per project: they count against capacity and quota already. */
  private readonly reserved = new Map<number, number>()
  /** The same, every project together. */
  private reservedTotal = 0
  /** Each project's quota of the day: its daily_quota, and the logs accepted (committed + reserved). */
  private readonly quota = new Map<number, { day: number; limit: number; used: number }>()
  /** Quota figures being read from storage, so that concurrent requests share one read. */
  private readonly loadingQuota = new Map<number, Promise<{ day: number; limit: number; used: number }>>()
  /** Requests with an Idempotency-Key being processed, so a concurrent retry waits for them. */
  private readonly inflight = new Map<string, Promise<IngestOutcome<unknown>>>()
  /**
   * Group commits under way. The next starts while fewer than the storage allows are
   * (`LogWriteStore.concurrentCommits`, 1 unless it says otherwise; ids stay in commit order
   * whatever the number: the storage sees to it).
   */
  private committing = 0

  constructor(
    private readonly ctx: ServiceContext,
    private readonly queue: ProcessingQueue,
    private readonly decoder: BatchDecoder,
    /** Logs and error/critical logs accepted per project and second (fields 0 and 1). */
    private readonly rates?: RollingCounter,
    /** The daily quotas shared by the daemons of a team (Redis), or none: this daemon counts alone. */
    private readonly shared: SharedQuota | null = null,
  ) {}

  single(who: KeyPrincipal, body: unknown, idemKey?: string): Promise<IngestOutcome<SingleIngestResponse>> {
    const hash = idemKey === undefined ? '' : createHash('sha256').update(JSON.stringify(body)).digest('hex')
    return this.idempotent(who, hash, idemKey, async (idem) => {
      const r = validateLog(body, 'body')
      if (!r.ok) throw badRequest(r.detail)
      const now = this.ctx.now()
      const fits = await this.reserveQuota(who.projectId, 1, now)
      if (fits === 0) throw await this.quotaExceeded(who.projectId, now)
      const logs = emptyColumns()
      pushLog(logs, r.value)
      const response: SingleIngestResponse = {
        accepted: 1,
        rejected: 0,
        message: 'Log accepted for processing',
      }
      const lastLogId = await this.write(who.projectId, now, logs, 1, idem, response)
      return { body: response, replayed: false, lastLogId }
    })
  }

  /** A batch body as received (raw bytes): decoded off the main thread when large. */
  async batch(who: KeyPrincipal, body: unknown, idemKey?: string): Promise<IngestOutcome<BatchIngestResponse>> {
    if (!Buffer.isBuffer(body))
      throw badRequest('Request body is missing: send {"logs": [...]} as application/json')
    return this.decodeAndAccept(who, 'ingest-batch', body, idemKey)
  }

  /**
   * An OTLP/HTTP `ExportLogsServiceRequest` as received (raw bytes, protobuf or JSON): the
   * same path as a batch (decoding thread, quota, capacity, group commit), answered with 200
   * as OTLP wants. Records Ledger refuses are counted in `rejected` with their reasons.
   */
  async otlpLogs(
    who: KeyPrincipal,
    body: unknown,
    encoding: OtlpEncoding,
    idemKey?: string,
  ): Promise<IngestOutcome<BatchIngestResponse>> {
    if (!Buffer.isBuffer(body)) throw badRequest('Request body is missing: send an ExportLogsServiceRequest')
    return this.decodeAndAccept(who, `otlp-${encoding}`, body, idemKey)
  }

  /** Decodes a body of any format, then accepts its valid logs (the shared ingestion path). */
  private async decodeAndAccept(
    who: KeyPrincipal,
    format: BodyFormat,
    body: Buffer,
    idemKey: string | undefined,
  ): Promise<IngestOutcome<BatchIngestResponse>> {
    this.checkIdempotencyKey(idemKey)
    // Full already (the project's queue, the indexing lag, the WAL): say so before decoding a
    // body that could not be accepted anyway. Decoding is most of a request's CPU; under
    // sustained overload the refused bodies were ~9% of all decoded, CPU the indexer lacked. A
    // request with an Idempotency-Key may be a replay, answered from its record: decoded first.
    if (idemKey === undefined) {
      const refusal = this.admission(who.projectId, 1)
      if (refusal) throw refusal
    }
    const decoded = await this.decoder.decode({
      format,
      body,
      wantHash: idemKey !== undefined,
      receivedAt: this.ctx.now(),
    })
    if (!decoded.ok) throw badRequest(decoded.detail)
    return this.idempotent(who, decoded.bodyHash ?? '', idemKey, async (idem) => {
      const { logs, indexes, total } = decoded
      const errors = decoded.errors
      const now = this.ctx.now()
      let fits = 0
      if (logs.length > 0) {
        // The day's quota: the logs that fit are accepted, the rest rejected one by one.
        fits = await this.reserveQuota(who.projectId, logs.length, now)
        if (fits === 0) throw await this.quotaExceeded(who.projectId, now)
        if (fits < logs.length) {
          const quota = (await this.quotaState(who.projectId, now)).limit
          for (const i of indexes.slice(fits)) errors.push(formatBatchError(i, `daily quota of ${quota} logs reached`))
          sortBatchErrors(errors)
        }
      }
      const response: BatchIngestResponse = {
        accepted: fits,
        rejected: total - fits,
        errors: errors.length > 0 ? errors : null,
      }
      // Nothing to store (an OTLP request with no valid record): no commit to wait for.
      const lastLogId = fits > 0 ? await this.write(who.projectId, now, logs, fits, idem, response) : null
      return { body: response, replayed: false, lastLogId }
    })
  }

  /** The project's logs waiting to be processed, in every daemon's queue (one database, several daemons). */
  depth(who: KeyPrincipal): QueueDepth {
    return { project_id: who.projectId, queue_depth: this.globalDepth(who.projectId) }
  }

  /** The key's project's slug (null once deleted) and the queue capacity of every project. */
  async projectFacts(who: KeyPrincipal): Promise<{ slug: string | null; capacity: number }> {
    const project = await this.ctx.storage.projects.findById(who.projectId)
    return { slug: project?.slug ?? null, capacity: this.ctx.config.queueCapacity }
  }

  /** A project's queue depth here plus in the other live daemons on the same database. */
  globalDepth(projectId: number): number {
    return this.queue.depth(projectId) + this.ctx.storage.bus.othersDepth(projectId)
  }

  /** Logs accepted today for a project (for quota figures in stats). */
  async usedToday(projectId: number): Promise<number> {
    return (await this.quotaState(projectId, this.ctx.now())).used
  }

  /** Runs `fn` at most once per (project, Idempotency-Key) within 24 h; retries get its answer. */
  private async idempotent<B>(
    who: KeyPrincipal,
    bodyHash: string,
    key: string | undefined,
    fn: (idem: IdempotencyRecord | undefined) => Promise<IngestOutcome<B>>,
  ): Promise<IngestOutcome<B>> {
    if (key === undefined) return fn(undefined)
    this.checkIdempotencyKey(key)
    const slot = `${who.projectId}\u0000${key}`
    const running = this.inflight.get(slot)
    if (running) {
      const outcome = (await running) as IngestOutcome<B>
      return { ...outcome, replayed: true }
    }
    // In flight from here on, the lookup included: a retry arriving meanwhile waits for this one.
    const p = (async (): Promise<IngestOutcome<B>> => {
      const stored = await this.ctx.storage.logWrites.findIdempotency(who.projectId, key)
      if (stored && stored.created_at > this.ctx.now() - IDEMPOTENCY_TTL_MS) {
        if (stored.body_hash !== bodyHash) {
          throw conflict('Idempotency-Key was already used with a different request body')
        }
        return { body: JSON.parse(stored.response) as B, replayed: true, lastLogId: stored.last_log_id }
      }
      return fn({ key, bodyHash })
    })()
    this.inflight.set(slot, p)
    try {
      return await p
    } finally {
      this.inflight.delete(slot)
    }
  }

  private checkIdempotencyKey(key: string | undefined): void {
    if (key !== undefined && (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key))) {
      throw badRequest('Idempotency-Key must be 1-255 visible ASCII characters')
    }
  }

  /**
   * Queues the first `count` logs for the next group commit; resolves once committed, with the
   * id of the last log stored.
   */
  private write(
    projectId: number,
    now: number,
    logs: LogColumns,
    count: number,
    idem: IdempotencyRecord | undefined,
    response: unknown,
  ): Promise<number> {
    const refusal = this.admission(projectId, count)
    if (refusal) {
      this.releaseQuota(projectId, count)
      throw refusal
    }
    this.reserved.set(projectId, (this.reserved.get(projectId) ?? 0) + count)
    this.reservedTotal += count
    return new Promise<number>((resolve, reject) => {
      this.pending.push({
        projectId,
        receivedAt: now,
        day: Math.floor(now / DAY_MS),
        logs,
        count,
        lastLogId: 0,
        idempotency: idem && {
          ...idem,
          response: JSON.stringify(response),
          createdAt: now,
          replaceBefore: now - IDEMPOTENCY_TTL_MS,
        },
        resolve,
        reject,
      })
      this.scheduleFlush()
    })
  }

  /** The next group commit, once the event loop has taken in the requests already received. */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.committing >= (this.ctx.storage.logWrites.concurrentCommits ?? 1)) return
    this.flushScheduled = true
    setImmediate(() => void this.flush())
  }

  /**
   * Why `count` more logs of a project cannot be accepted now, as the 503 to answer, or null.
   * Three bounds, each with an honest Retry-After: the project's queue capacity; how far behind
   * indexing would fall for every project together (admission follows the indexer's progress,
   * so it is never starved by what it is handed); and the main file's WAL.
   */
  private admission(projectId: number, count: number): DomainError | null {
    const capacity = this.ctx.config.queueCapacity
    const waiting = this.queue.depth(projectId) + (this.reserved.get(projectId) ?? 0)
    if (waiting + count > capacity) {
      const retryAfter = this.queue.secondsToDrain(waiting + count - capacity)
      return unavailable(
        `Ingestion queue is full (${waiting} of ${capacity} logs waiting); retry in ${retryAfter} s`,
        retryAfter,
      )
    }
    const lagLimit = this.ctx.config.maxIndexLagSeconds
    const rate = this.queue.drainRate(true)
    if (rate !== null) {
      const backlog = this.queue.totalDepth() + this.reservedTotal + count
      const lag = backlog / rate
      if (lag > lagLimit) {
        const retryAfter = this.queue.secondsToDrain(backlog - rate * lagLimit)
        return unavailable(`Indexing is ${Math.round(lag)} s behind (limit ${lagLimit} s); retry in ${retryAfter} s`, retryAfter)
      }
    }
    const wait = this.ctx.storage.health.backpressure()
    if (wait) return unavailable(wait.detail, wait.retryAfter)
    return null
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false
    const writes = this.pending
    this.pending = []
    if (writes.length === 0) return
    this.committing++
    let error: unknown
    let upTo = 0
    try {
      upTo = await this.ctx.storage.logWrites.commit(writes)
    } catch (err) {
      error = err
    } finally {
      this.committing--
    }
    const counts = new Map<number, number>()
    for (const w of writes) {
      const left = (this.reserved.get(w.projectId) ?? 0) - w.count
      if (left > 0) this.reserved.set(w.projectId, left)
      else this.reserved.delete(w.projectId)
      this.reservedTotal -= w.count
      if (error) {
        this.releaseQuota(w.projectId, w.count)
        w.reject(error)
      } else {
        counts.set(w.projectId, (counts.get(w.projectId) ?? 0) + w.count)
        this.rates?.add(w.projectId, w.receivedAt, [w.count, countErrors(w.logs.level, w.count)])
        w.resolve(w.lastLogId)
      }
    }
    if (!error) this.queue.committed(upTo, counts)
    // Requests that came during the commit go in the next one.
    if (this.pending.length > 0) this.scheduleFlush()
  }

  /**
   * A project's quota of the day: read from storage once a day (or after a change of its
   * settings), then kept in memory, where requests reserve from it. Concurrent requests share
   * the read, so that none reserves from a copy the other replaces.
   */
  private async quotaState(projectId: number, now: number): Promise<{ day: number; limit: number; used: number }> {
    const day = Math.floor(now / DAY_MS)
    const q = this.quota.get(projectId)
    if (q && q.day === day) return q
    let loading = this.loadingQuota.get(projectId)
    if (!loading) {
      loading = this.loadQuota(projectId, day)
      this.loadingQuota.set(projectId, loading)
    }
    return loading
  }

  private async loadQuota(projectId: number, day: number): Promise<{ day: number; limit: number; used: number }> {
    const loading = this.loadingQuota
    try {
      const [project, used] = await Promise.all([
        this.ctx.storage.projects.findById(projectId),
        this.ctx.storage.logWrites.quotaUsed(projectId, day),
      ])
      const state = { day, limit: project?.daily_quota ?? 0, used }
      // Unless the settings changed meanwhile (projectChanged dropped this read): then the next
      // request reads again.
      if (loading.has(projectId)) this.quota.set(projectId, state)
      return state
    } finally {
      loading.delete(projectId)
    }
  }

  /** Reserves up to `n` logs of today's quota; returns how many fit. */
  private async reserveQuota(projectId: number, n: number, now: number): Promise<number> {
    const q = await this.quotaState(projectId, now)
    if (this.shared) {
      // One count for every daemon (this one's own figure seeds it on the day's first use).
      const fits = await this.shared.reserve(projectId, q.day, n, q.limit, q.used)
      if (fits !== null) {
        q.used += fits
        return fits
      }
    }
    // Synchronous from here: the check and the reservation are one step.
    const fits = Math.max(0, Math.min(n, q.limit - q.used))
    q.used += fits
    return fits
  }

  private releaseQuota(projectId: number, n: number): void {
    const q = this.quota.get(projectId)
    if (!q) return
    q.used = Math.max(0, q.used - n)
    this.shared?.release(projectId, q.day, n)
  }

  /** Forgets the cached quota figures of a project (its daily_quota changed). */
  projectChanged(projectId: number): void {
    this.quota.delete(projectId)
    this.loadingQuota.delete(projectId)
  }

  private async quotaExceeded(projectId: number, now: number): Promise<DomainError> {
    const untilMidnight = Math.ceil(((Math.floor(now / DAY_MS) + 1) * DAY_MS - now) / 1000)
    const limit = (await this.quotaState(projectId, now)).limit
    return rateLimited(`Daily quota exceeded: ${limit} logs per day for this project (resets at 00:00 UTC)`, untilMidnight)
  }
}

function countErrors(levels: readonly string[], count: number): number {
  let n = 0
  for (let i = 0; i < count; i++) if (levels[i] === 'error' || levels[i] === 'critical') n++
  return n
}
