import {
  type BatchIngestResponse,
  BatchRequestSchema,
  LOG_LIMITS,
  LogInputSchema,
  type QueueDepth,
  type SingleIngestResponse,
  type ValidLog,
} from '../../contract/ingest.js'
import { safeParseReadable } from '../../contract/validation.js'
import { enqueueLogs, type NewLogRow } from '../db/logs.js'
import { ApiError, badRequest } from '../errors.js'
import type { KeyPrincipal } from './api-keys.js'
import type { ServiceContext } from './context.js'
import type { QueueWorker } from './queue.js'

function toRow(projectId: number, receivedAt: number, log: ValidLog): NewLogRow {
  return {
    project_id: projectId,
    received_at: receivedAt,
    timestamp: log.timestamp,
    level: log.level,
    log_type: log.log_type,
    importance: log.importance,
    message: log.message,
    error_type: log.error_type,
    error_message: log.error_message,
    stack_trace: log.stack_trace,
    environment: log.environment,
    release: log.release,
    sdk_version: log.sdk_version,
    platform: log.platform,
    platform_version: log.platform_version,
    attributes: log.attributes,
  }
}

/** Validates logs and commits them to the queue before answering: a 202 is durable. */
export class IngestService {
  private readonly enqueue: (rows: readonly NewLogRow[]) => void

  constructor(
    private readonly ctx: ServiceContext,
    private readonly queue: QueueWorker,
  ) {
    this.enqueue = ctx.db.transaction((rows: readonly NewLogRow[]) => enqueueLogs(ctx.db, rows))
  }

  single(who: KeyPrincipal, body: unknown): SingleIngestResponse {
    const r = safeParseReadable(LogInputSchema, body)
    if (!r.ok) throw badRequest(r.detail)
    this.store(who.projectId, [toRow(who.projectId, this.ctx.now(), r.value)])
    return { accepted: 1, rejected: 0, message: 'Log accepted for processing' }
  }

  batch(who: KeyPrincipal, body: unknown): BatchIngestResponse {
    const b = safeParseReadable(BatchRequestSchema, body)
    if (!b.ok) throw badRequest(b.detail)
    const logs = b.value.logs
    if (logs.length === 0) throw badRequest('logs must contain at least one log')
    if (logs.length > LOG_LIMITS.batch) {
      throw badRequest(`logs must contain at most ${LOG_LIMITS.batch} logs (got ${logs.length})`)
    }
    const now = this.ctx.now()
    const rows: NewLogRow[] = []
    const errors: string[] = []
    logs.forEach((log, i) => {
      const r = safeParseReadable(LogInputSchema, log)
      if (r.ok) rows.push(toRow(who.projectId, now, r.value))
      else errors.push(`Log ${i}: ${r.detail}`)
    })
    if (rows.length === 0) {
      throw badRequest(`All ${logs.length} logs are invalid; first: ${errors[0]}`)
    }
    this.store(who.projectId, rows)
    return { accepted: rows.length, rejected: errors.length, errors: errors.length > 0 ? errors : null }
  }

  depth(who: KeyPrincipal): QueueDepth {
    return { project_id: who.projectId, queue_depth: this.queue.depth(who.projectId) }
  }

  private store(projectId: number, rows: readonly NewLogRow[]): void {
    const depth = this.queue.depth(projectId)
    if (depth + rows.length > this.ctx.config.queueCapacity) {
      throw new ApiError(
        503,
        `Ingestion queue is full (${depth} of ${this.ctx.config.queueCapacity} logs waiting); retry later`,
        { 'retry-after': 60 },
      )
    }
    this.enqueue(rows)
    this.queue.accepted(projectId, rows.length)
  }
}
