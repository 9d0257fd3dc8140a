import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { SERIES_SECONDS } from '../../contract/stats.js'
import { dataFiles } from '../../shared/paths.js'
import { packageVersion } from '../../shared/version.js'
import type { DaemonConfig } from '../config.js'
import { Checkpointer } from '../storage/sqlite/checkpointer.js'
import { type Database, openDatabase } from '../storage/sqlite/database.js'
import { attachFulltextOrMoveAside } from '../storage/sqlite/damaged-files.js'
import { FulltextIndexer } from '../storage/sqlite/fulltext-indexer.js'
import { receivedCountsSince } from '../storage/sqlite/logs.js'
import { WalKeeper } from '../storage/sqlite/wal.js'
import { AccountService } from './accounts.js'
import { ApiKeyService } from './api-keys.js'
import { BatchDecoder } from '../ingest/batch-decoder.js'
import type { ServiceContext } from './context.js'
import { CredentialEvents } from './credential-events.js'
import { IngestService } from '../ingest/ingest-service.js'
import { KeyStats } from './key-stats.js'
import { LogEvents } from './log-events.js'
import { LogService } from './logs.js'
import { Maintenance } from '../workers/maintenance.js'
import { PanelService } from './panels.js'
import { PasswordHasher } from './passwords.js'
import { ProjectService } from './projects.js'
import { ProcessingQueue } from '../workers/processing-queue.js'
import { RollingCounter } from './rolling-counter.js'
import { StorageHealth } from '../storage/sqlite/storage-health.js'
import { StatsService } from './stats.js'
import { TailService } from './tail.js'
import { MemoryRateLimiter } from './rate-limiter.js'
import { AccessTokens, loadOrCreateSecret } from './tokens.js'
import { logDelivery, smtpDelivery, VerificationService } from './verification.js'

export interface Services {
  readonly ctx: ServiceContext
  readonly db: Database
  readonly checkpointer: Checkpointer
  /** The main file's WAL, kept under its bound by the main thread (the only writer). */
  readonly wal: WalKeeper
  readonly fulltext: FulltextIndexer
  readonly accounts: AccountService
  readonly verification: VerificationService
  readonly projects: ProjectService
  readonly apiKeys: ApiKeyService
  readonly panels: PanelService
  readonly ingest: IngestService
  readonly logs: LogService
  readonly logEvents: LogEvents
  readonly tail: TailService
  /** Revocations, for whatever holds a credential open (tails, requests receiving a body). */
  readonly credentials: CredentialEvents
  /** Free space and the database file: what /health reports and what refuses writes. */
  readonly storage: StorageHealth
  readonly maintenance: Maintenance
  readonly queue: ProcessingQueue
  readonly decoder: BatchDecoder
  readonly limiter: MemoryRateLimiter
  readonly keyStats: KeyStats
  readonly stats: StatsService
  readonly startedAt: number
}

export interface ServiceOptions {
  config: DaemonConfig
  now?: () => number
  /** The daemon's version (stats report it); defaults to package.json's. */
  version?: string
  log: { error: (obj: unknown, msg: string) => void; warn: (obj: unknown, msg: string) => void }
}

/** Opens the data dir and database and wires every service. */
export function createServices({ config, now = Date.now, version, log }: ServiceOptions): Services {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const files = dataFiles(config.dataDir)
  const db = openDatabase(files.database, { durability: config.durability })
  const fulltextState = attachFulltextOrMoveAside(db, files.fulltext, now(), (o, m) => log.warn(o, m))
  restrictDataDir(config.dataDir)
  // Checkpoints never run inside an ingest commit: a background thread copies the bulk of the
  // WAL, and the main thread, the only writer, copies what is left between two commits once
  // the WAL passes an eighth of its bound, so that it starts again from its beginning.
  const walLimit = config.walLimitMb * 1024 * 1024
  const wal = new WalKeeper(db, `${files.database}-wal`, walLimit)
  const pageSize = db.pragma('page_size', { simple: true }) as number
  const checkpointer = new Checkpointer(files.database, config.durability, (frames) => {
    if (frames * pageSize >= walLimit / 8) wal.finish()
  })
  const ctx: ServiceContext = { db, config, now }
  const limiter = new MemoryRateLimiter()
  const keyStats = new KeyStats(db, log)
  // Processed ids only grow (logs are indexed in id order): tails start after the largest one,
  // which is the last one indexed (or, while the index is rebuilt, the last one stored before).
  const logEvents = new LogEvents(Math.max(fulltextState.indexedUpTo, fulltextState.rebuildUpTo))
  // Each side tells the other: the queue that logs were stored, the full-text thread what it
  // indexed. Neither calls back before start-up is over, so the later `fulltext` is set by then.
  const queue = new ProcessingQueue(db, logEvents, fulltextState, () => fulltext)
  const fulltext = new FulltextIndexer(
    files,
    fulltextState,
    (r) => queue.indexed(r.upTo, r.rows, r.ms),
    log,
    walLimit,
    config.workerPaused,
  )
  const secret = loadOrCreateSecret(files.secret)
  const tokens = new AccessTokens(secret, now)
  const credentials = new CredentialEvents()
  const accounts = new AccountService(
    ctx,
    new PasswordHasher(config.scryptLogN, config.maxPendingHashes),
    tokens,
    credentials,
  )
  const decoder = new BatchDecoder(config.decoderThreads, log)
  // The live figures of `ledger top`, seeded from what was received in the last minutes, so
  // they go on across a restart.
  const ingestRates = new RollingCounter(SERIES_SECONDS + 1, 2)
  for (const r of receivedCountsSince(db, now() - SERIES_SECONDS * 1000)) {
    ingestRates.add(r.project_id, r.second * 1000, [r.n, r.errors])
  }
  const ingest = new IngestService(ctx, queue, decoder, wal, ingestRates)
  const apiKeys = new ApiKeyService(ctx, limiter, keyStats, credentials)
  const startedAt = now()
  const logs = new LogService(ctx)
  return {
    ctx,
    db,
    checkpointer,
    wal,
    fulltext,
    accounts,
    verification: new VerificationService(
      ctx,
      secret,
      accounts,
      config.smtpUrl ? smtpDelivery(config.smtpUrl, config.smtpFrom, log) : logDelivery(log),
    ),
    projects: new ProjectService(ctx, (id) => ingest.projectChanged(id)),
    apiKeys,
    panels: new PanelService(ctx, logs),
    ingest,
    maintenance: new Maintenance(db, now, log, fulltext),
    logs,
    logEvents,
    credentials,
    storage: new StorageHealth(files.database, now, log),
    tail: new TailService(ctx, logEvents, { keyStanding: (id, scope) => apiKeys.standing(id, scope), credentials, log }),
    queue,
    decoder,
    limiter,
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
    }),
    startedAt,
  }
}

/**
 * The data dir holds password and key hashes, the signing secret and logs: owner only. Modes
 * wider than 0700 (dir) or 0600 (files) are narrowed at every start, whatever the umask was.
 */
export function restrictDataDir(dir: string): void {
  if (process.platform === 'win32') return
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700)
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    const st = statSync(file)
    if (st.isFile() && (st.mode & 0o077) !== 0) chmodSync(file, 0o600)
  }
}
