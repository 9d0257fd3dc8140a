import { SERIES_SECONDS } from '../contract/stats.js'
import { packageVersion } from '../shared/version.js'
import type { DaemonConfig } from './config.js'
import { BatchDecoder } from './ingest/batch-decoder.js'
import { IngestService } from './ingest/ingest-service.js'
import { AccountService } from './services/accounts.js'
import { ApiKeyService } from './services/api-keys.js'
import { followCluster } from './services/cluster.js'
import type { ServiceContext } from './services/context.js'
import { CredentialEvents } from './services/credential-events.js'
import { KeyStats } from './services/key-stats.js'
import { LogEvents } from './services/log-events.js'
import { LogService } from './services/logs.js'
import { PanelService } from './services/panels.js'
import { PasswordHasher } from './services/passwords.js'
import { ProjectService } from './services/projects.js'
import { MemoryRateLimiter, type RateLimiter } from './services/rate-limiter.js'
import { openRedis } from './redis/connection.js'
import { FallbackRateLimiter, RedisLink, redisWindowsFactory } from './redis/fallback.js'
import { memoryWindows, type WindowsFactory } from './services/window-throttle.js'
import { FallbackEmailFailures, RedisEmailFailures } from './redis/login-failures.js'
import { RedisQuota } from './redis/quota.js'
import { RedisRateLimiter } from './redis/rate-limiter.js'
import { RollingCounter } from './services/rolling-counter.js'
import { StatsService } from './services/stats.js'
import { TailService } from './services/tail.js'
import { AccessTokens } from './services/tokens.js'
import { logDelivery, smtpDelivery, VerificationService } from './services/verification.js'
import { PostgresStorage } from './storage/postgres/index.js'
import { SqliteStorage } from './storage/sqlite/index.js'
import type { Storage } from './storage/types.js'
import { Maintenance } from './workers/maintenance.js'
import { ProcessingQueue } from './workers/processing-queue.js'

/**
 * At most this many of the logs received in the last minutes seed the ingest rates at start
 * (~0.4 s of reading on the 2-core test machine; all 5,000,000 of a heavy load took 8.8 s).
 */
export const SEED_RATES_MAX_LOGS = 250_000

/** Everything the daemon runs, built and wired once: what the HTTP layer serves from. */
export interface Services {
  readonly ctx: ServiceContext
  readonly storage: Storage
  readonly accounts: AccountService
  readonly verification: VerificationService
  readonly projects: ProjectService
  readonly apiKeys: ApiKeyService
  readonly panels: PanelService
  readonly ingest: IngestService
  readonly logs: LogService
  /** Processed logs, as they are (live tails listen). */
  readonly logEvents: LogEvents
  readonly tail: TailService
  /** Revocations, for whatever holds a credential open (tails, requests receiving a body). */
  readonly credentials: CredentialEvents
  readonly maintenance: Maintenance
  readonly queue: ProcessingQueue
  readonly decoder: BatchDecoder
  /** Per-instance (memory) by default; a Redis shared by every daemon for a team (#13). */
  readonly limiter: RateLimiter
  /** The Redis the daemons of a team share (`--redis-url`), or null. */
  readonly redis: RedisLink | null
  readonly keyStats: KeyStats
  readonly stats: StatsService
  readonly startedAt: number
  /** Starts the background work, in order; resolves once indexing runs (the daemon may listen). */
  start(): Promise<void>
  /** Stops everything, in the reverse order, and closes storage last. */
  close(): Promise<void>
}

export interface ContainerOptions {
  config: DaemonConfig
  now?: () => number
  /** The daemon's version (stats report it); defaults to package.json's. */
  version?: string
  log: {
    error: (obj: unknown, msg: string) => void
    warn: (obj: unknown, msg: string) => void
    /** Redis found back (see RedisLink); a warning when missing. */
    info?: (obj: unknown, msg: string) => void
  }
}

/**
 * The composition root: opens storage, builds every service and worker on it, and owns their
 * start and close order. Services and workers are linked by events (the indexer's ranges, the
 * processed logs, the credential changes), never by references to parts built later.
 */
export async function createServices({ config, now = Date.now, version, log }: ContainerOptions): Promise<Services> {
  // The engine: PostgreSQL when a database URL is configured, else SQLite under the data dir.
  const storage: Storage = config.databaseUrl
    ? await PostgresStorage.open({ url: config.databaseUrl }, log, now)
    : new SqliteStorage(config, log, now)
  // Shared limits for the daemons of a team: Redis down at start → per-instance ones, warned
  // once, until it answers (RedisLink).
  const redis = config.redisUrl ? new RedisLink(openRedis(config.redisUrl), config.redisUrl, log) : null
  try {
    if (redis) await redis.connect()
    else if (config.databaseUrl) {
      log.warn(
        {},
        'PostgreSQL without Redis: rate limits and login/registration throttles are per instance ' +
          '(each daemon on this database counts alone); give every daemon the same --redis-url to share them',
      )
    }
    return await wire(storage, redis, config, now, version, log)
  } catch (err) {
    redis?.close()
    redis?.redis.disconnect()
    await storage.close()
    throw err
  }
}

async function wire(
  storage: Storage,
  redis: RedisLink | null,
  config: DaemonConfig,
  now: () => number,
  version: string | undefined,
  log: ContainerOptions['log'],
): Promise<Services> {
  const ctx: ServiceContext = { storage, config, now }
  const credentials = new CredentialEvents()
  const limiter: RateLimiter = redis ? new FallbackRateLimiter(new RedisRateLimiter(redis.redis), redis) : new MemoryRateLimiter()
  // The login, registration and code throttles: shared in Redis (per instance while it is down).
  const windows: WindowsFactory = redis ? redisWindowsFactory(redis) : memoryWindows
  const keyStats = new KeyStats(storage.apiKeys, log)
  // Processed ids only grow (logs are indexed in id order): tails start after the largest one,
  // which is the last one indexed (or, while the index is rebuilt, the last one stored before).
  const { indexedUpTo, rebuildUpTo } = storage.indexState
  const after = Math.max(indexedUpTo, rebuildUpTo)
  const logEvents = new LogEvents(after)
  // Stored before the last stop and not indexed yet: what the queue starts with.
  const waiting = await storage.logReads.countsAfter(after)
  const queue = new ProcessingQueue(logEvents, storage.indexer, { ...waiting, after })
  const tokens = new AccessTokens(storage.secret, now)
  const accounts = new AccountService(
    ctx,
    new PasswordHasher(config.scryptLogN, config.maxPendingHashes),
    tokens,
    credentials,
    windows,
    redis ? new FallbackEmailFailures(new RedisEmailFailures(redis.redis), redis) : undefined,
  )
  const decoder = new BatchDecoder(config.decoderThreads, log)
  // The live figures of `ledger top`, seeded from what was received in the last minutes (the
  // newest logs only, so that a restart after a heavy load stays quick), so they go on across
  // a restart.
  const ingestRates = new RollingCounter(SERIES_SECONDS + 1, 2)
  for (const r of await storage.logReads.receivedSince(now() - SERIES_SECONDS * 1000, SEED_RATES_MAX_LOGS)) {
    ingestRates.add(r.project_id, r.second * 1000, [r.n, r.errors])
  }
  const ingest = new IngestService(ctx, queue, decoder, ingestRates, redis ? new RedisQuota(redis) : null)
  const apiKeys = new ApiKeyService(ctx, limiter, keyStats, credentials)
  await apiKeys.loadLimits()
  const logs = new LogService(ctx)
  const panels = new PanelService(ctx, logs)
  const startedAt = now()
  const maintenance = new Maintenance(storage, now, log)
  // What the other daemons on the same database change (PostgreSQL; none on SQLite).
  storage.bus.shareDepths(() => queue.depths())
  const unfollow = followCluster(storage.bus, {
    apiKeys,
    credentials,
    projectChanged: (id) => ingest.projectChanged(id),
    accountChanged: (id) => panels.forgetAccount(id),
    allAccountsChanged: () => panels.forgetAll(),
    log,
  })
  const tail = new TailService(ctx, logEvents, {
    keyStanding: (id, scope) => apiKeys.standing(id, scope),
    sessionEnded: (familyId) => storage.sessions.isFamilyRevoked(familyId),
    credentials,
    log,
  })
  return {
    ctx,
    storage,
    accounts,
    verification: new VerificationService(
      ctx,
      storage.secret,
      config.smtpUrl ? smtpDelivery(config.smtpUrl, config.smtpFrom, log) : logDelivery(log),
      (accountId) => accounts.startSession(accountId),
      windows,
    ),
    projects: new ProjectService(
      ctx,
      (id) => ingest.projectChanged(id),
      ({ projectId, accountId, keyIds }) => {
        ingest.projectChanged(projectId)
        apiKeys.deleted(keyIds)
        panels.forgetAccount(accountId)
      },
    ),
    apiKeys,
    panels,
    ingest,
    logs,
    logEvents,
    tail,
    credentials,
    maintenance,
    queue,
    decoder,
    limiter,
    redis,
    keyStats,
    stats: new StatsService(ctx, {
      queue,
      ingest,
      apiKeys,
      keyStats,
      limiter,
      ingestRates,
      startedAt,
      version: version ?? packageVersion(),
      redisAvailable: () => (redis ? redis.available : null),
      storageEngine: storage.engine,
    }),
    startedAt,
    async start() {
      storage.start()
      queue.start()
      if (config.workerPaused) queue.pause()
      maintenance.start()
      keyStats.start()
      await storage.indexer.ready()
    },
    async close() {
      unfollow()
      tail.closeAll()
      queue.stop()
      maintenance.stop()
      await keyStats.stop()
      await limiter.close()
      // After the last count is flushed (keyStats), before storage: nothing uses Redis after.
      if (redis) {
        redis.close()
        await redis.redis.quit().catch(() => redis.redis.disconnect())
      }
      await decoder.close()
      await storage.close()
    },
  }
}
