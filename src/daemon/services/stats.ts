import { hostname } from 'node:os'
import type { z } from 'zod'
import {
  type Overview,
  type OverviewKey,
  type OverviewProject,
  type OverviewQuerySchema,
  RATE_WINDOW_SECONDS,
  RECENT_WINDOW_SECONDS,
  SERIES_SECONDS,
} from '../../contract/stats.js'
import { formatTimestamp } from '../../shared/time.js'
import { notFound } from './errors.js'
import type { ApiKeyService } from './api-keys.js'
import type { ServiceContext } from './context.js'
import type { IngestService } from '../ingest/ingest-service.js'
import type { KeyStats } from './key-stats.js'
import { toLog } from './logs.js'
import type { ProcessingQueue } from '../workers/processing-queue.js'
import type { RateLimiter } from './rate-limiter.js'
import type { RollingCounter } from './rolling-counter.js'

const MAX_KEYS = 10_000

export interface StatsSources {
  queue: ProcessingQueue
  ingest: IngestService
  apiKeys: ApiKeyService
  keyStats: KeyStats
  limiter: RateLimiter
  /** Accepted logs (field 0) and error/critical logs (field 1) per project and second. */
  ingestRates: RollingCounter
  startedAt: number
  version: string
  /** Redis's state as the limiters see it (null: not configured). */
  redisAvailable: () => boolean | null
  storageEngine: 'sqlite' | 'postgres'
}

/**
 * The figures `ledger top` redraws every second, in one answer: the daemon, ingest rates and
 * their series, each project's queue, errors and quota, each key's traffic against its limit,
 * and the latest errors. Rates come from in-memory counters; nothing here scans the logs.
 */
export class StatsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly s: StatsSources,
  ) {}

  /** `port`: the one the request came in on (this daemon's), naming the instance. */
  async overview(accountId: number, q: z.output<typeof OverviewQuerySchema>, port?: number): Promise<Overview> {
    const now = this.ctx.now()
    const sec = Math.floor(now / 1000)
    const { ingestRates: rates, queue, ingest } = this.s
    rates.prune(now)
    this.s.keyStats.pruneRecent(now)
    const store = this.ctx.storage
    const rows = await store.projects.list(accountId)
    const selected = q.project === undefined ? undefined : rows.find((p) => p.slug === q.project)
    if (q.project !== undefined && !selected) throw notFound('Project not found')

    const capacity = this.ctx.config.queueCapacity
    const usedToday = await Promise.all(rows.map((p) => ingest.usedToday(p.id)))
    const recentFrom = sec - RECENT_WINDOW_SECONDS + 1
    let inRateWindow = 0
    const projects: OverviewProject[] = rows.map((p, i) => {
      const n = rates.sum(p.id, sec - RATE_WINDOW_SECONDS, sec - 1, 0)
      inRateWindow += n
      return {
        project_id: p.id,
        slug: p.slug,
        name: p.name,
        logs_per_second: rate(n),
        accepted_5m: rates.sum(p.id, recentFrom, sec, 0),
        errors_5m: rates.sum(p.id, recentFrom, sec, 1),
        queue_depth: ingest.globalDepth(p.id),
        queue_capacity: capacity,
        quota_used_today: usedToday[i]!,
        daily_quota: p.daily_quota,
      }
    })

    const seriesOf = (id: number, field: number) => rates.series(id, sec - SERIES_SECONDS, sec - 1, field)
    const series = new Array<number>(SERIES_SECONDS).fill(0)
    for (const p of rows) seriesOf(p.id, 0).forEach((n, i) => (series[i]! += n))
    const worker = queue.status()
    const errorProjects = selected ? [selected.id] : rows.map((p) => p.id)
    const keys = await this.keys(accountId, now, new Map(rows.map((p) => [p.id, p.slug])))
    const recentErrors = (await store.logReads.latestErrors(errorProjects, q.errors)).map(toLog)
    // `?logs=`: as many as the caller's screen shows (ledger top asks for its height).
    const recentLogs = selected && q.logs > 0
      ? (await store.logReads.page({ projectId: selected.id, limit: q.logs })).map(toLog)
      : []

    return {
      daemon: {
        version: this.s.version,
        started_at: formatTimestamp(this.s.startedAt),
        uptime_seconds: Math.max(0, Math.floor((now - this.s.startedAt) / 1000)),
        now: formatTimestamp(now),
        status: worker.running && worker.last_error === null ? 'healthy' : 'degraded',
        worker_running: worker.running,
        ...(port !== undefined ? { instance: `${hostname()}:${port}` } : {}),
        backends: {
          database: this.s.storageEngine,
          redis: ((r) => (r === null ? 'not configured' : r ? 'ok' : 'down'))(this.s.redisAvailable()),
        },
      },
      ingest: {
        logs_per_second: rate(inRateWindow),
        accepted_5m: projects.reduce((n, p) => n + p.accepted_5m, 0),
        errors_5m: projects.reduce((n, p) => n + p.errors_5m, 0),
        queue_depth: projects.reduce((n, p) => n + p.queue_depth, 0),
        series,
      },
      projects,
      keys,
      recent_errors: recentErrors,
      project: selected
        ? {
            slug: selected.slug,
            series: seriesOf(selected.id, 0),
            error_series: seriesOf(selected.id, 1),
            recent_logs: recentLogs,
          }
        : null,
    }
  }

  private async keys(accountId: number, now: number, slugs: ReadonlyMap<number, string>): Promise<OverviewKey[]> {
    const { api_keys } = await this.s.apiKeys.list({ accountId }, 1, MAX_KEYS)
    return api_keys
      .filter((k) => !k.revoked)
      .map((k) => {
        const activity = this.s.keyStats.recentActivity(k.id, now)
        const first = this.s.limiter.limitsOf(k.id)[0]
        return {
          key_id: k.id,
          project_id: k.project_id,
          project_slug: slugs.get(k.project_id) ?? '',
          name: k.name,
          key_prefix: k.key_prefix,
          is_active: k.is_active,
          requests_per_minute: activity.requestsPerMinute,
          limit_per_minute: first ? Math.round(first.tokensPerSecond * 60) : 0,
          throttled_5m: activity.throttled5m,
          last_used: k.last_used,
        }
      })
  }
}

/** Logs per second from a count over the rate window, to 0.1. */
function rate(countInWindow: number): number {
  return Math.round((countInWindow / RATE_WINDOW_SECONDS) * 10) / 10
}
