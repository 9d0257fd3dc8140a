import { hostname } from 'node:os'
import type { DeepHealth, Instance } from '../../contract/health.js'
import { formatTimestamp } from '../../shared/time.js'
import type { Services } from '../container.js'
import type { LogSinkStatus } from '../log-sink.js'

/** One entry per real dependency of the daemon, with figures a person can act on. */
export async function deepHealth(s: Services, log?: LogSinkStatus, port?: number): Promise<DeepHealth> {
  const storage = s.storage.health.report()
  const db = await s.storage.health.check()
  const worker = s.queue.status()
  const depth = s.queue.totalDepth()
  const capacity = s.ctx.config.queueCapacity
  const fulltext = s.storage.indexer.status
  const queueOk = worker.running && fulltext.running && fulltext.last_error === null
  const limiter = await s.limiter.health()
  // Not configured: each daemon limits alone, which is all a single daemon needs (not a fault).
  const redis = s.redis
    ? await s.redis.health()
    : {
        status: 'not configured',
        detail: s.storage.engine === 'postgres'
          ? 'rate limits and throttles are per instance: daemons sharing this database each count alone (--redis-url shares them)'
          : 'rate limits and throttles are per instance (one SQLite file is one daemon)',
      }
  const redisOk = redis.status !== 'degraded'
  // The other daemons on the same database (PostgreSQL): whether this one hears them.
  const cluster = s.storage.engine === 'postgres' ? s.storage.bus.report() : null
  const clusterOk = cluster === null || cluster.status === 'healthy'
  const status =
    storage['status'] !== 'healthy'
      ? 'unhealthy'
      : db.status === 'healthy' && queueOk && limiter.status === 'healthy' && redisOk && clusterOk
        ? 'healthy'
        : 'degraded'
  return {
    status,
    ...(port !== undefined ? { instance: instanceOf(s, port) } : {}),
    services: {
      database: { engine: s.storage.engine, ...db },
      ingestion_queue: {
        status: queueOk ? 'healthy' : 'degraded',
        depth,
        capacity_per_project: capacity,
        worker_running: worker.running,
        processed_since_start: worker.processed,
        drain_rate: worker.drain_rate,
        max_index_lag_seconds: s.ctx.config.maxIndexLagSeconds,
        last_error: worker.last_error,
        fulltext_index: fulltext,
      },
      rate_limiter: limiter,
      redis,
      live_tails: { status: 'healthy', ...s.tail.figures() },
      ...(cluster ? { cluster } : {}),
      storage,
      ...(log ? { log: { status: log.last_error === null ? 'healthy' : 'degraded', destination: 'stdout', ...log } } : {}),
    },
  }
}

/** The daemon that answers: `hostname:port` names it among those behind one URL. */
export function instanceOf(s: Services, port: number): Instance {
  const host = hostname()
  return { id: `${host}:${port}`, hostname: host, port, pid: process.pid, started_at: formatTimestamp(s.startedAt) }
}
