import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { dataFiles } from '../../../shared/paths.js'
import type { DaemonConfig } from '../../config.js'
import { SingleDaemonBus } from '../single-daemon-bus.js'
import type {
  AccountStore,
  ApiKeyRecord,
  ApiKeyStore,
  IndexedRange,
  Indexer,
  KeyLimitsRecord,
  LogReadStore,
  LogWrite,
  LogWriteStore,
  PanelStore,
  ProjectStore,
  RetentionStore,
  SessionStore,
  Storage,
  StorageHealthView,
  VerificationStore,
} from '../types.js'
import { StorageFullError } from '../types.js'
import * as accounts from './accounts.js'
import * as keys from './api-keys.js'
import { Checkpointer } from './checkpointer.js'
import { attachFulltextOrMoveAside, damagedDatabaseError, isDamagedFile } from './damaged-files.js'
import { checkDatabase, type Database, openDatabase } from './database.js'
import { FulltextIndexer } from './fulltext-indexer.js'
import { FulltextReader } from './fulltext-reader.js'
import * as records from './ingest-records.js'
import { countByBucket } from './log-counts.js'
import { lastProcessedLogs, processedIdsInRange, processedLogsAfter, queryLogs } from './log-reads.js'
import * as logs from './logs.js'
import * as panels from './panels.js'
import * as projects from './projects.js'
import { loadOrCreateSecret } from './secret.js'
import * as sessions from './sessions.js'
import { isDiskFull, StorageHealth } from './storage-health.js'
import { framesByIds, projectFramesInRange } from './tail-reads.js'
import * as tokens from './tokens.js'
import * as codes from './verification-codes.js'
import { WalKeeper } from './wal.js'

/** What the engine logs: a warning once, an error with context. */
export interface StorageLog {
  warn(obj: unknown, msg: string): void
  error(obj: unknown, msg: string): void
}

/**
 * Ledger's embedded engine: one SQLite file (`ledger.db`) for everything, and the full-text index
 * in a file of its own (`fulltext.db`) written by a thread of its own. Statements are prepared
 * once and run synchronously inside this folder (better-sqlite3); the seam's Promises resolve
 * at once. The main thread is the only writer of `ledger.db`: the group commit, then the WAL's
 * last copy between two commits (see wal.ts).
 */
export class SqliteStorage implements Storage {
  readonly engine = 'sqlite' as const
  readonly accounts: AccountStore
  readonly sessions: SessionStore
  readonly verification: VerificationStore
  readonly projects: ProjectStore
  readonly apiKeys: ApiKeyStore
  readonly panels: PanelStore
  readonly logWrites: LogWriteStore
  readonly logReads: LogReadStore
  readonly retention: RetentionStore
  readonly indexer: Indexer & { readonly fulltext: FulltextIndexer }
  readonly health: StorageHealthView
  /** One SQLite file, one daemon: nobody else to tell. */
  readonly bus = new SingleDaemonBus()
  readonly indexState: Storage['indexState']
  readonly secret: Uint8Array
  /** The connection, for this folder's tests and tools (nothing outside storage/sqlite/ uses it). */
  readonly db: Database
  private readonly wal: WalKeeper
  private readonly checkpointer: Checkpointer
  private readonly fulltextReader: FulltextReader
  private readonly files: ReturnType<typeof dataFiles>
  private readonly fileHealth: StorageHealth

  constructor(config: DaemonConfig, log: StorageLog, now: () => number) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
    const files = (this.files = dataFiles(config.dataDir))
    let db: Database
    try {
      db = openDatabase(files.database, { durability: config.durability })
    } catch (err) {
      // A damaged database is not something to guess about: one line saying which file and what
      // to do. (A damaged full-text index is moved aside and rebuilt: see damaged-files.ts.)
      if (isDamagedFile(err)) throw damagedDatabaseError(files.database, err)
      throw err
    }
    this.db = db
    try {
      this.indexState = attachFulltextOrMoveAside(db, files.fulltext, now(), (o, m) => log.warn(o, m))
      // Checked and set up: from here on only its own threads use the full-text file. Attached,
      // each of this connection's write transactions would also lock it (BEGIN IMMEDIATE locks
      // every attached file), and wait on the indexing thread's commits.
      db.exec('DETACH DATABASE fulltext')
    } catch (err) {
      db.close()
      if (isDamagedFile(err)) throw damagedDatabaseError(files.database, err)
      throw err
    }
    restrictDataDir(config.dataDir)
    this.secret = loadOrCreateSecret(files.secret)
    // Checkpoints never run inside an ingest commit: a background thread copies the bulk of the
    // WAL, and the main thread, the only writer, copies what is left between two commits once
    // the WAL passes an eighth of its bound, so that it starts again from its beginning.
    const walLimit = config.walLimitMb * 1024 * 1024
    const wal = (this.wal = new WalKeeper(db, `${files.database}-wal`, walLimit))
    const pageSize = db.pragma('page_size', { simple: true }) as number
    this.checkpointer = new Checkpointer(files.database, config.durability, (frames) => {
      if (frames * pageSize >= walLimit / 8) wal.finish()
    })
    const fileHealth = (this.fileHealth = new StorageHealth(files.database, now, log))
    const fulltext = new FulltextIndexer(files, this.indexState, log, config.workerPaused)
    const reader = (this.fulltextReader = new FulltextReader(files, log))
    this.indexer = {
      fulltext,
      subscribe: (l: (r: IndexedRange) => void) => fulltext.subscribe(l),
      kick: () => fulltext.kick(),
      pause: () => fulltext.pause(),
      resume: () => fulltext.resume(),
      ready: () => fulltext.ready(),
      get status() {
        return fulltext.status
      },
    }

    // A write the disk had no room for becomes StorageFullError (and health says so until there
    // is room again): what the HTTP layer answers with 503, whatever the engine.
    const guard = <T extends object>(store: T): T => guarded(store, (err) => fileHealth.noteError(err))
    this.accounts = guard(accountStore(db))
    this.sessions = guard(sessionStore(db))
    this.verification = guard(verificationStore(db))
    this.projects = guard(projectStore(db, fulltext))
    this.apiKeys = guard(apiKeyStore(db))
    this.panels = guard(panelStore(db))
    this.logWrites = guard(logWriteStore(db, wal))
    this.logReads = guard(logReadStore(db, reader))
    this.retention = guard(retentionStore(db, fulltext))
    this.health = {
      check: async () => ({
        ...checkDatabase(db),
        wal: {
          bytes: wal.status.bytes,
          limit_bytes: wal.limitBytes,
          ...this.checkpointer.status,
          complete_checkpoints: wal.status.complete,
        },
      }),
      problem: () => fileHealth.problem(),
      report: () => {
        fileHealth.check()
        return fileHealth.report()
      },
      backpressure: () =>
        wal.overLimit()
          ? { detail: 'The database is catching up on its write-ahead log; retry in a moment', retryAfter: 1 }
          : null,
      writeRefusal: () => fileHealth.refusal(),
      noteError: (err) => fileHealth.noteError(err),
    }
  }

  start(): void {
    this.fulltextReader.start()
    this.wal.start()
    this.fileHealth.start()
  }

  async close(): Promise<void> {
    this.fileHealth.stop()
    await this.fulltextReader.close()
    await this.indexer.fulltext.close()
    await this.checkpointer.close()
    this.wal.stop()
    this.db.close()
  }
}

/** Wraps each method of a store so that a disk-full error leaves it as StorageFullError. */
function guarded<T extends object>(store: T, noteFull: (err: unknown) => boolean): T {
  const out = {} as Record<string, unknown>
  for (const [name, fn] of Object.entries(store)) {
    // A property that is not a method (LogWriteStore.concurrentCommits) is kept as it is.
    if (typeof fn !== 'function') {
      out[name] = fn
      continue
    }
    out[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => unknown)(...args)
      } catch (err) {
        if (isDiskFull(err)) {
          noteFull(err)
          throw new StorageFullError((err as Error).message)
        }
        throw err
      }
    }
  }
  return out as T
}

function accountStore(db: Database): AccountStore {
  return {
    async create(a) {
      try {
        return accounts.insertAccount(db, a)
      } catch (err) {
        // Two registrations of one email racing past the caller's check.
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return 'exists'
        throw err
      }
    },
    findByEmail: async (email) => accounts.findAccountByEmail(db, email),
    findById: async (id) => accounts.findAccountById(db, id),
    setPasswordHash: async (id, hash) => accounts.updatePasswordHash(db, id, hash),
  }
}

function sessionStore(db: Database): SessionStore {
  return {
    startFamily: async (id, accountId, now) => sessions.insertFamily(db, id, accountId, now),
    addRefreshToken: async (hash, familyId, now, expiresAt) =>
      sessions.insertRefreshToken(db, hash, familyId, now, expiresAt),
    findRefreshToken: async (hash) => sessions.findRefreshToken(db, hash),
    spendRefreshToken: async (hash, now) => sessions.spendRefreshToken(db, hash, now),
    revokeFamily: async (id, now, reason) => sessions.revokeFamily(db, id, now, reason),
    isFamilyRevoked: async (id) => sessions.isFamilyRevoked(db, id),
    revokeAccessToken: async (jti, expiresAt) => tokens.insertRevokedToken(db, jti, expiresAt),
    isAccessTokenRevoked: async (jti) => tokens.isTokenRevoked(db, jti),
    async purgeExpired(now) {
      tokens.purgeExpiredRevokedTokens(db, now)
      sessions.purgeExpiredRefreshTokens(db, now)
    },
  }
}

function verificationStore(db: Database): VerificationStore {
  return {
    putCode: async (email, hmac, now, expiresAt) => codes.putVerificationCode(db, email, hmac, now, expiresAt),
    findCode: async (email) => codes.findVerificationCode(db, email),
    countAttempt: async (email) => codes.countVerificationAttempt(db, email),
    deleteCode: async (email) => codes.deleteVerificationCode(db, email),
    addFailure: async (email, at) => codes.insertVerificationFailure(db, email, at),
    failuresSince: async (email, since) => codes.verificationFailuresSince(db, email, since),
    async purgeExpired(now, failuresBefore) {
      codes.purgeExpiredVerificationCodes(db, now)
      codes.purgeVerificationFailuresBefore(db, failuresBefore)
    },
  }
}

function projectStore(db: Database, fulltext: FulltextIndexer): ProjectStore {
  const deleteProject = db.transaction((project: projects.ProjectRow) => projects.deleteProjectRows(db, project))
  // The checks and the insert in one transaction: a concurrent create cannot pass the cap.
  const create = db.transaction((p: Parameters<ProjectStore['create']>[0], cap: number) => {
    if (projects.findProjectBySlug(db, p.accountId, p.slug)) return 'exists' as const
    if (projects.countProjects(db, p.accountId) >= cap) return 'capped' as const
    return projects.insertProject(db, p)
  })
  return {
    create: async (p, cap) => create.immediate(p, cap),
    findBySlug: async (accountId, slug) => projects.findProjectBySlug(db, accountId, slug),
    findById: async (id) => projects.findProjectById(db, id),
    list: async (accountId) => projects.listProjects(db, accountId),
    listAll: async () => projects.listAllProjects(db),
    update: async (id, s) => projects.updateProject(db, id, s),
    async delete(id) {
      const project = projects.findProjectById(db, id)
      if (!project) return null
      // The index lives in fulltext.db, written by its own thread: out of the index first what
      // it holds now (as retention does), so a crash before the commit below leaves logs that
      // are not searchable, never the text of a deleted project in the index.
      const indexedUpTo = fulltext.status.indexed_upto
      await forgetInChunks(fulltext, projects.projectLogIds(db, id, indexedUpTo))
      const gone = deleteProject.immediate(project)
      // Logs that an indexing pass read before the commit and indexed after the first forget:
      // the thread answers this only after that pass, so none is left behind.
      // Should the thread fail now, the project is gone all the same: entries without their log
      // are never found by a search, which reads the logs through the logs table.
      await forgetInChunks(
        fulltext,
        gone.logIds.filter((logId) => logId > indexedUpTo),
      ).catch(() => undefined)
      return { keyIds: gone.keyIds }
    },
  }
}

/** Forgets ids from the full-text index in bounded messages. */
async function forgetInChunks(fulltext: FulltextIndexer, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 50_000) await fulltext.forget(ids.slice(i, i + 50_000))
}

/** A key's row as the seam gives it: flags as booleans, scopes as a list, limits parsed. */
function toKeyRecord(row: keys.ApiKeyAuthRow): ApiKeyRecord {
  return {
    ...row,
    is_active: row.is_active === 1,
    scopes: row.scopes.split(',') as ApiKeyRecord['scopes'],
    limits: row.limits === null ? null : (JSON.parse(row.limits) as KeyLimitsRecord),
  }
}

function apiKeyStore(db: Database): ApiKeyStore {
  const create = db.transaction((k: Parameters<ApiKeyStore['create']>[0], cap: number) => {
    if (keys.countUnrevokedKeys(db, k.projectId) >= cap) return 'capped' as const
    keys.insertApiKey(db, { ...k, scopes: k.scopes.join(',') })
    return toKeyRecord(keys.findApiKeyByHash(db, k.hash)!)
  })
  return {
    create: async (k, cap) => create.immediate(k, cap),
    async findByHash(hash) {
      const row = keys.findApiKeyByHash(db, hash)
      return row && toKeyRecord(row)
    },
    async findById(id) {
      const row = keys.findApiKeyById(db, id)
      return row && toKeyRecord(row)
    },
    revoke: async (id, now) => keys.revokeApiKey(db, id, now),
    async list(scope, limit, offset) {
      const { rows, total } = keys.listApiKeys(db, scope, limit, offset)
      return { rows: rows.map(toKeyRecord), total }
    },
    update: async (id, f) => keys.updateApiKey(db, id, f),
    setLimits: async (id, limits) => keys.setApiKeyLimits(db, id, limits === null ? null : JSON.stringify(limits)),
    withLimits: async () =>
      keys.keysWithLimits(db).map((k) => ({ id: k.id, limits: JSON.parse(k.limits) as KeyLimitsRecord })),
    addCounters: async (counters, metrics) => keys.flushKeyCounters(db, counters, metrics),
    appendUsage: async (keyId, rows) => keys.appendKeyUsage(db, keyId, rows),
    recentUsage: async (keyId, limit) => keys.recentUsage(db, keyId, limit),
    metricsBetween: async (keyId, from, to) => keys.metricsBetween(db, keyId, from, to),
  }
}

function panelStore(db: Database): PanelStore {
  return {
    list: async (accountId) => panels.listPanels(db, accountId),
    find: async (accountId, id) => panels.findPanel(db, accountId, id),
    insert: async (p) => panels.insertPanel(db, p),
    update: async (accountId, id, p) => panels.updatePanel(db, accountId, id, p),
    delete: async (accountId, id) => panels.deletePanel(db, accountId, id),
  }
}

function logWriteStore(db: Database, wal: WalKeeper): LogWriteStore {
  const commit = db.transaction((writes: readonly LogWrite[]) => {
    let last = 0
    for (const w of writes) {
      last = w.lastLogId = logs.appendLogs(db, w.projectId, w.receivedAt, w.logs, w.count)
      records.addQuotaUsage(db, w.projectId, w.day, w.count)
      if (w.idempotency) {
        records.insertIdempotency(db, {
          project_id: w.projectId,
          idem_key: w.idempotency.key,
          body_hash: w.idempotency.bodyHash,
          // The answer's status is the HTTP layer's (the same for every answer of a route).
          status: 0,
          response: w.idempotency.response,
          created_at: w.idempotency.createdAt,
          last_log_id: w.lastLogId,
        })
      }
    }
    return last
  })
  return {
    async commit(writes) {
      // Copies what is left of a WAL past half its bound first, so this commit starts it again.
      wal.beforeCommit()
      const last = commit(writes)
      wal.afterCommit()
      return last
    },
    quotaUsed: async (projectId, day) => records.quotaUsed(db, projectId, day),
    async findIdempotency(projectId, key) {
      const row = records.findIdempotency(db, projectId, key)
      if (!row) return undefined
      const { status: _, ...record } = row
      return record
    },
    async purge(before, day) {
      records.purgeQuotaUsageBefore(db, day)
      return records.purgeIdempotencyBefore(db, before)
    },
  }
}

/** Reads that filter by text go to the full-text reading thread; the rest run here. */
function logReadStore(db: Database, fulltext: FulltextReader): LogReadStore {
  return {
    page: async (q) => (q.search ? fulltext.page({ ...q, search: q.search }) : queryLogs(db, q)),
    after: async (f, after, upTo, limit) =>
      f.search ? fulltext.after(f, after, upTo, limit) : processedLogsAfter(db, f, after, upTo, limit),
    last: async (f, upTo, n) => (f.search ? fulltext.last(f, upTo, n) : lastProcessedLogs(db, f, upTo, n)),
    idsInRange: async (f, after, upTo) =>
      f.search ? fulltext.idsInRange(f, after, upTo) : processedIdsInRange(db, f, after, upTo),
    framesInRange: async (projectId, after, upTo) => projectFramesInRange(db, projectId, after, upTo),
    framesByIds: async (ids) => framesByIds(db, ids),
    checkSearchable: async (search) => fulltext.check(search),
    latestErrors: async (projectIds, limit) => logs.latestErrorLogs(db, projectIds, limit),
    countByBucket: async (projectId, r) => countByBucket(db, projectId, r),
    receivedSince: async (since, atMost) => logs.receivedCountsSince(db, since, atMost),
    countsAfter: async (after) => logs.logCountsAfter(db, after),
  }
}

function retentionStore(db: Database, fulltext: FulltextIndexer): RetentionStore {
  return {
    async expire(projectId, cutoff, limit) {
      // Only logs already indexed: the index never keeps the text of a deleted log. (The rest
      // go at a later pass.)
      const maxId = Math.min(logs.lastIdReceivedBefore(db, cutoff), fulltext.status.indexed_upto)
      const ids = maxId > 0 ? logs.oldestLogIds(db, projectId, maxId, limit) : []
      if (ids.length > 0) {
        // Out of the index first: a crash in between leaves an expired log unsearchable, never
        // an index entry without its log. Deleted at the next pass.
        await fulltext.forget(ids)
        logs.deleteLogRange(db, projectId, ids[0]!, ids.at(-1)!)
      }
      if (ids.length < limit) logs.deleteMinutesBefore(db, projectId, Math.floor(cutoff / 60_000))
      return ids.length
    },
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
