import { IDEMPOTENCY_TTL_MS } from '../ingest/ingest-service.js'
import { GUESS_LIMITS } from '../services/verification.js'
import type { Storage } from '../storage/types.js'

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
    private readonly storage: Storage,
    private readonly now: () => number,
    private readonly log: { error: (obj: unknown, msg: string) => void },
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
    const store = this.storage
    let logsDeleted = 0
    for (const project of await store.projects.listAll()) {
      const cutoff = now - project.retention_days * DAY_MS
      for (;;) {
        const n = await store.retention.expire(project.id, cutoff, CHUNK)
        logsDeleted += n
        if (n < CHUNK) break
        await yieldToEventLoop()
      }
      await yieldToEventLoop()
    }
    const purged = await store.logWrites.purge(now - IDEMPOTENCY_TTL_MS, Math.floor(now / DAY_MS) - 1)
    await store.sessions.purgeExpired(now)
    await store.verification.purgeExpired(now, now - Math.max(...GUESS_LIMITS.map((l) => l.windowMs)))
    const report = { logs_deleted: logsDeleted, idempotency_keys_purged: purged }
    this.lastReport = { ...report, at: now }
    return report
  }
}
