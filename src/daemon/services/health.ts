import type { DeepHealth } from '../../contract/health.js'
import type { Services } from '../container.js'
import type { LogSinkStatus } from '../log-sink.js'

/** One entry per real dependency of the daemon, with figures a person can act on. */
export async function deepHealth(s: Services, log?: LogSinkStatus): Promise<DeepHealth> {
  const storage = s.storage.health.report()
  const db = await s.storage.health.check()
  const worker = s.queue.status()
  const depth = s.queue.totalDepth()
  const capacity = s.ctx.config.queueCapacity
  const fulltext = s.storage.indexer.status
  const queueOk = worker.running && fulltext.running && fulltext.last_error === null
  const limiter = await s.limiter.health()
  // The other daemons on the same database (PostgreSQL): whether this one hears them.
  const cluster = s.storage.engine === 'postgres' ? s.storage.bus.report() : null
  const clusterOk = cluster === null || cluster.status === 'healthy'
  const status =
    storage['status'] !== 'healthy'
      ? 'unhealthy'
      : db.status === 'healthy' && queueOk && limiter.status === 'healthy' && clusterOk
        ? 'healthy'
        : 'degraded'
  return {
    status,
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
      live_tails: { status: 'healthy', ...s.tail.figures() },
      ...(cluster ? { cluster } : {}),
      storage,
      ...(log ? { log: { status: log.last_error === null ? 'healthy' : 'degraded', destination: 'stdout', ...log } } : {}),
    },
  }
}
