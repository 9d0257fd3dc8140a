import type { Database } from 'better-sqlite3'
import { purgeIdempotencyBefore, purgeQuotaUsageBefore } from '../storage/sqlite/ingest-records.js'
import { deleteLogRange, deleteMinutesBefore, lastIdReceivedBefore, oldestLogIds } from '../storage/sqlite/logs.js'
import { listAllProjects } from '../storage/sqlite/projects.js'
import { purgeExpiredRefreshTokens } from '../storage/sqlite/sessions.js'
import { purgeExpiredRevokedTokens } from '../storage/sqlite/tokens.js'
import { purgeExpiredVerificationCodes, purgeVerificationFailuresBefore } from '../storage/sqlite/verification-codes.js'
import { IDEMPOTENCY_TTL_MS } from '../ingest/ingest-service.js'
import { GUESS_LIMITS } from '../services/verification.js'

const DAY_MS = 86_400_000
/** Rows deleted per transaction: each chunk holds the event loop for a few ms at most. */
const CHUNK = 2000

export interface MaintenanceReport {
  logs_deleted: number
  idempotency_keys_purged: number
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Periodic housekeeping: deletes logs past their project's `retention_days` (by receive time)
 * in small chunks, yielding between them so ingestion never waits long, and purges expired
 * idempotency records, quota counters, denylisted tokens and old wrong-code guesses.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<MaintenanceReport> | undefined
  lastReport: (MaintenanceReport & { at: number }) | null = null

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly log: { error: (obj: unknown, msg: string) => void },
    /** The full-text index: expired logs leave it before they leave `logs`. */
    private readonly fulltext: { forget(ids: number[]): Promise<void>; readonly status: { indexed_upto: number } },
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.timer = setInterval(
      () => void this.runOnce().catch((err) => this.log.error({ err }, 'maintenance failed')),
      this.intervalMs,
    )
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }

  /** One pass (concurrent callers share it). */
  runOnce(): Promise<MaintenanceReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async pass(): Promise<MaintenanceReport> {
    const now = this.now()
    let logsDeleted = 0
    for (const project of listAllProjects(this.db)) {
      const cutoff = now - project.retention_days * DAY_MS
      // Only logs already indexed: the index never keeps the text of a deleted log. (The rest
      // go at a later pass.)
      const maxId = Math.min(lastIdReceivedBefore(this.db, cutoff), this.fulltext.status.indexed_upto)
      if (maxId > 0) {
        for (;;) {
          const ids = oldestLogIds(this.db, project.id, maxId, CHUNK)
          if (ids.length === 0) break
          // Out of the index first: a crash in between leaves an expired log unsearchable,
          // never an index entry without its log. Deleted at the next pass.
          await this.fulltext.forget(ids)
          logsDeleted += deleteLogRange(this.db, project.id, ids[0]!, ids.at(-1)!)
          if (ids.length < CHUNK) break
          await yieldToEventLoop()
        }
      }
      deleteMinutesBefore(this.db, project.id, Math.floor(cutoff / 60_000))
      await yieldToEventLoop()
    }
    const purged = purgeIdempotencyBefore(this.db, now - IDEMPOTENCY_TTL_MS)
    purgeQuotaUsageBefore(this.db, Math.floor(now / DAY_MS) - 1)
    purgeExpiredRevokedTokens(this.db, now)
    purgeExpiredRefreshTokens(this.db, now)
    purgeExpiredVerificationCodes(this.db, now)
    purgeVerificationFailuresBefore(this.db, now - Math.max(...GUESS_LIMITS.map((l) => l.windowMs)))
    const report = { logs_deleted: logsDeleted, idempotency_keys_purged: purged }
    this.lastReport = { ...report, at: now }
    return report
  }
}
