import type { Scope } from '../../contract/api-keys.js'
import type { EnumField, TextField } from '../../contract/log-fields.js'
import type { TailEnd } from '../../contract/logs.js'
import type { SearchNode } from '../../contract/search-query.js'

// The storage seam: what the services and workers need of a database, engine-neutral. Every
// method that may touch the database returns a Promise (SQLite answers at once, a server engine
// over the network); figures kept in memory are plain getters. Records are plain objects in the
// database's own words (snake_case), with no engine types: no rowid, no FTS syntax (a search
// arrives as the parsed query tree, which each engine compiles), JSON text where JSON is stored.

// ---------------------------------------------------------------------------------------------
// Records

export interface AccountRecord {
  id: number
  email: string
  name: string
  password_hash: string
  created_at: number
}

export interface RefreshTokenRecord {
  token_hash: string
  family_id: string
  created_at: number
  expires_at: number
  used_at: number | null
  account_id: number
  family_revoked_at: number | null
}

export interface VerificationCodeRecord {
  email: string
  code_hmac: string
  created_at: number
  expires_at: number
  attempts: number
}

export interface ProjectRecord {
  id: number
  account_id: number
  name: string
  slug: string
  environment: string
  retention_days: number
  daily_quota: number
  created_at: number
}

export type ProjectSettings = Partial<Pick<ProjectRecord, 'name' | 'environment' | 'retention_days' | 'daily_quota'>>

export interface PanelRecord {
  id: string
  account_id: number
  name: string
  idx: number
  project_ref: string
  time_range_from: number
  time_range_to: number
  type: string
  created_at: number
}

export type PanelFields = Pick<PanelRecord, 'name' | 'idx' | 'project_ref' | 'time_range_from' | 'time_range_to' | 'type'>

/** A key's custom limits, as set through the API. */
export interface KeyLimitsRecord {
  algorithm: 'token_bucket' | 'fixed_window'
  tokens_per_second: number
  burst_capacity: number
}

/** An API key with the owner of its project (what authentication needs). */
export interface ApiKeyRecord {
  id: number
  project_id: number
  account_id: number
  name: string
  description: string | null
  key_prefix: string
  key_hash: string
  created_at: number
  revoked_at: number | null
  is_active: boolean
  last_used: number | null
  usage_count: number
  success_count: number
  response_ms_total: number
  limits: KeyLimitsRecord | null
  scopes: Scope[]
  expires_at: number | null
}

/** Which keys a listing covers: an account's, a project's, or every key (admin). */
export type KeyScope = { accountId: number } | { projectId: number } | 'all'

/** One call made with a key. */
export interface UsageRecord {
  key_id: number
  endpoint: string
  method: string
  status_code: number
  response_time: number
  created_at: number
}

/** Aggregated counters of one key since the last flush. */
export interface KeyCounters {
  keyId: number
  calls: number
  successes: number
  responseMs: number
  lastUsed: number
}

export interface KeyMinuteCount {
  keyId: number
  minute: number
  allowed: number
  throttled: number
}

/** How many recent calls each key keeps. */
export const USAGE_HISTORY = 100

/** A log as stored (the fields of src/contract/log-fields.ts). `attributes` is JSON text, as JSON.stringify wrote it. */
export type LogRecord = {
  id: number
  project_id: number
  received_at: number
  timestamp: number
} & { [F in EnumField]: string } & { [F in TextField]: string | null } & { attributes: string | null }

/** Logs to store, as columns: one array per field, the same index for the same log. */
export type LogColumns = { length: number; timestamp: number[] } & { [F in EnumField]: string[] } & {
  [F in TextField]: Array<string | null>
} & { attributes: Array<string | null> }

/** What a read of stored logs keeps (every condition ANDed). */
export interface LogFilterSpec {
  projectId: number
  levels?: readonly string[]
  logTypes?: readonly string[]
  environment?: string
  release?: string
  /** `attributes` has `key` (a top-level key, or else a dotted path) equal to `value`. */
  attr?: ReadonlyArray<{ key: string; value: string }>
  /** Inclusive bounds on the log's timestamp, epoch ms. */
  from?: number
  to?: number
  /** Full text over the indexed text (message, error fields, stack, attribute values). */
  search?: SearchNode
}

/** A page of a read, newest first by (timestamp, id). */
export interface LogPageSpec extends LogFilterSpec {
  /** Keyset: only logs strictly older than this (timestamp, id). */
  before?: { timestamp: number; id: number }
  limit: number
}

/** A log ready to send on a live tail: its id and its JSON (exactly `JSON.stringify(toLog(row))`). */
export interface LogFrame {
  id: number
  data: string
}

/** Logs per bucket and level: `bucket` is the bucket's index from `origin`. */
export interface BucketCount {
  bucket: number
  level: string
  n: number
}

/** Logs and error/critical logs received per project and second (epoch s). */
export interface ReceivedCount {
  project_id: number
  second: number
  n: number
  errors: number
}

/** Logs accepted by one request, to be stored by the next group commit. */
export interface LogWrite {
  projectId: number
  receivedAt: number
  /** UTC day (ms / 86400000) the logs count against in the daily quota. */
  day: number
  logs: LogColumns
  /** How many of `logs` to store (the rest did not fit the quota). */
  count: number
  /**
   * The request's Idempotency-Key record. A record of the same key created before
   * `replaceBefore` has expired and is replaced; a newer one means a concurrent request with the
   * key (another daemon's) was committed first: the engine then stores nothing of the commit
   * and throws StorageUnavailableError (the retry gets the stored answer).
   */
  idempotency?: { key: string; bodyHash: string; response: string; createdAt: number; replaceBefore: number }
  /** Set by the commit: the id of the last log stored. */
  lastLogId: number
}

export interface IdempotencyRecord {
  project_id: number
  idem_key: string
  body_hash: string
  /** The answer's body, JSON. */
  response: string
  created_at: number
  /** The largest log id the request stored (null: stored nothing, or recorded before it was kept). */
  last_log_id: number | null
}

/** Where full-text indexing stood when the storage was opened. */
export interface IndexState {
  /** Every log with a smaller or equal id is indexed. */
  indexedUpTo: number
  /**
   * Logs up to this id were already stored when the index was (re)built from scratch: they are
   * indexed again in the background, and are not "waiting to be processed".
   */
  rebuildUpTo: number
}

/** A full-text query the engine refuses (its message says why): a 400 for the caller. */
export class UnsearchableQueryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnsearchableQueryError'
  }
}

/**
 * The database cannot be reached (a server engine down, restarting, or its connection cut): the
 * operation did not happen, or its outcome is unknown and nothing was acknowledged. A 503 with
 * Retry-After for the caller; the engine reconnects by itself.
 */
export class StorageUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfter = 2,
  ) {
    super(message)
    this.name = 'StorageUnavailableError'
  }
}

/** Input the engine cannot hold (PostgreSQL: U+0000 in text): a 400 for the caller. */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidInputError'
  }
}

/** Ran out of room to store anything (SQLITE_FULL, ENOSPC): nothing of the write was kept. */
export class StorageFullError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StorageFullError'
  }
}

// ---------------------------------------------------------------------------------------------
// Stores, by concern

export interface AccountStore {
  /** A new account, or 'exists' when the email is taken (also by a concurrent registration). */
  create(a: { email: string; name: string; passwordHash: string; now: number }): Promise<AccountRecord | 'exists'>
  findByEmail(email: string): Promise<AccountRecord | undefined>
  findById(id: number): Promise<AccountRecord | undefined>
  setPasswordHash(id: number, hash: string): Promise<void>
}

/** Sessions: refresh-token families, their tokens, and the denylist of access tokens. */
export interface SessionStore {
  startFamily(id: string, accountId: number, now: number): Promise<void>
  addRefreshToken(hash: string, familyId: string, now: number, expiresAt: number): Promise<void>
  findRefreshToken(hash: string): Promise<RefreshTokenRecord | undefined>
  /** Marks a refresh token spent; false if it already was (a concurrent use). */
  spendRefreshToken(hash: string, now: number): Promise<boolean>
  revokeFamily(id: string, now: number, reason: string): Promise<void>
  isFamilyRevoked(id: string): Promise<boolean>
  revokeAccessToken(jti: string, expiresAt: number): Promise<void>
  isAccessTokenRevoked(jti: string): Promise<boolean>
  /** Drops refresh tokens and denylist entries past their expiry. */
  purgeExpired(now: number): Promise<void>
}

/** One-time codes, and the wrong guesses per email. */
export interface VerificationStore {
  putCode(email: string, hmac: string, now: number, expiresAt: number): Promise<void>
  findCode(email: string): Promise<VerificationCodeRecord | undefined>
  countAttempt(email: string): Promise<void>
  deleteCode(email: string): Promise<void>
  addFailure(email: string, at: number): Promise<void>
  /** Times of an email's wrong guesses after `since`, oldest first. */
  failuresSince(email: string, since: number): Promise<number[]>
  purgeExpired(now: number, failuresBefore: number): Promise<void>
}

export interface ProjectStore {
  /** A new project, or why not: the slug is the account's already, or the account has `cap`. */
  create(
    p: { accountId: number; name: string; slug: string; environment: string; now: number },
    cap: number,
  ): Promise<ProjectRecord | 'exists' | 'capped'>
  findBySlug(accountId: number, slug: string): Promise<ProjectRecord | undefined>
  findById(id: number): Promise<ProjectRecord | undefined>
  list(accountId: number): Promise<ProjectRecord[]>
  listAll(): Promise<ProjectRecord[]>
  update(id: number, s: ProjectSettings): Promise<ProjectRecord>
  /**
   * Deletes a project and everything of it: its logs (and their full-text entries), their
   * per-minute counts, quota and idempotency records, its API keys (with their usage and
   * metrics) and the panels of its account that name it. Returns the ids of the keys that went
   * (for caches of authenticated keys), or null when there is no such project.
   */
  delete(id: number): Promise<{ keyIds: number[] } | null>
}

export interface ApiKeyStore {
  /** A new key, or 'capped' when the project has `cap` unrevoked keys. */
  create(
    k: {
      projectId: number
      name: string
      description: string | null
      prefix: string
      hash: string
      now: number
      scopes: readonly Scope[]
      expiresAt: number | null
    },
    cap: number,
  ): Promise<ApiKeyRecord | 'capped'>
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>
  findById(id: number): Promise<ApiKeyRecord | undefined>
  revoke(id: number, now: number): Promise<void>
  /** A page of keys, newest first, with the total. */
  list(scope: KeyScope, limit: number, offset: number): Promise<{ rows: ApiKeyRecord[]; total: number }>
  update(id: number, f: { name?: string; description?: string | null; is_active?: boolean }): Promise<void>
  setLimits(id: number, limits: KeyLimitsRecord | null): Promise<void>
  /** Unrevoked keys with custom limits. */
  withLimits(): Promise<Array<{ id: number; limits: KeyLimitsRecord }>>
  /** Adds in-memory counters and per-minute metrics to the keys' records, at once. */
  addCounters(counters: readonly KeyCounters[], metrics: readonly KeyMinuteCount[]): Promise<void>
  /** Appends one key's latest calls, keeping its last USAGE_HISTORY (a key deleted meanwhile gets nothing). */
  appendUsage(keyId: number, rows: ReadonlyArray<Omit<UsageRecord, 'key_id'>>): Promise<void>
  recentUsage(keyId: number, limit: number): Promise<Array<UsageRecord & { id: number }>>
  metricsBetween(
    keyId: number,
    fromMinute: number,
    toMinute: number,
  ): Promise<Array<{ minute: number; allowed: number; throttled: number }>>
}

export interface PanelStore {
  list(accountId: number): Promise<PanelRecord[]>
  find(accountId: number, id: string): Promise<PanelRecord | undefined>
  insert(p: PanelFields & { id: string; account_id: number; created_at: number }): Promise<void>
  update(accountId: number, id: string, p: PanelFields): Promise<boolean>
  delete(accountId: number, id: string): Promise<boolean>
}

/** The write path: accepted logs, the quota they count against, and idempotency records. */
export interface LogWriteStore {
  /**
   * Stores every write in one transaction (a group commit): the logs under new ids (in commit
   * order; never given twice), their per-minute counts, the quota they use and the idempotency
   * records. Sets each write's `lastLogId` and returns the last id given. On failure nothing is
   * kept.
   */
  commit(writes: readonly LogWrite[]): Promise<number>
  /**
   * How many commits may be under way at once (default 1: the next starts when one is done).
   * Ids are in commit order whatever the number; commits may complete in any order.
   */
  readonly concurrentCommits?: number
  quotaUsed(projectId: number, day: number): Promise<number>
  findIdempotency(projectId: number, key: string): Promise<IdempotencyRecord | undefined>
  /**
   * Drops idempotency records created before `before` and quota counters of days before `day`;
   * returns how many idempotency records went.
   */
  purge(before: number, day: number): Promise<number>
}

/** The read path. */
export interface LogReadStore {
  /** A page of logs, newest first (full text only over logs already indexed). */
  page(q: LogPageSpec): Promise<LogRecord[]>
  /**
   * Indexed logs matching `f` with `after < id <= upTo`, in id order, at most `limit`: what a live
   * tail that reads by itself sends next, and how far it got (every id up to `scannedTo` was
   * looked at).
   */
  after(f: LogFilterSpec, after: number, upTo: number, limit: number): Promise<{ rows: LogRecord[]; scannedTo: number }>
  /** The last `n` indexed logs matching `f` with id ≤ `upTo`, in id order (a tail's backlog). */
  last(f: LogFilterSpec, upTo: number, n: number): Promise<LogRecord[]>
  /** Ids of the logs matching `f` with `after < id <= upTo`, ascending (a live tail group's). */
  idsInRange(f: LogFilterSpec, after: number, upTo: number): Promise<number[]>
  /** A project's logs with `after < id <= upTo` as tail frames, in id order. */
  framesInRange(projectId: number, after: number, upTo: number): Promise<LogFrame[]>
  /** The logs with these ids (ascending) as tail frames, in id order. */
  framesByIds(ids: readonly number[]): Promise<LogFrame[]>
  /** Throws UnsearchableQueryError when the engine cannot search `search`. */
  checkSearchable(search: SearchNode): Promise<void>
  /** The latest error and critical logs of some projects to arrive, newest first (a back-dated one that arrives now is new). */
  latestErrors(projectIds: readonly number[], limit: number): Promise<LogRecord[]>
  /** A project's logs per level with `from ≤ timestamp ≤ to`, in buckets of `size` ms from `origin`. */
  countByBucket(projectId: number, r: { from: number; to: number; origin: number; size: number }): Promise<BucketCount[]>
  /** Logs received since `since` (ms) per project and second, counting only the newest `atMost` logs. */
  receivedSince(since: number, atMost: number): Promise<ReceivedCount[]>
  /** Logs with an id above `after`, per project, and the largest id (`after` if none). */
  countsAfter(after: number): Promise<{ counts: Map<number, number>; upTo: number }>
}

/** Retention: the oldest logs of a project go, in bounded steps. */
export interface RetentionStore {
  /**
   * Deletes up to `limit` of a project's logs received before `cutoff` that are already indexed
   * (out of the index first), and per-minute counts before `cutoff`. Returns how many logs went:
   * fewer than `limit` when nothing more is due.
   */
  expire(projectId: number, cutoff: number, limit: number): Promise<number>
}

/** Every stored log with an id up to `upTo` is indexed (`rows` of them just now, in `ms`). */
export interface IndexedRange {
  upTo: number
  rows: number
  ms: number
  /**
   * Logs of the range per project, as far as other daemons on the same database may have
   * committed some of them (a count may include this daemon's own logs too: tails only ask
   * whether a project is named); `unknown` when they are not known (the bus was cut, a range not
   * heard of): every project may have some. Absent: none (one daemon).
   */
  others?: ReadonlyMap<number, number> | 'unknown'
}

/** Full-text indexing, after the commit: what makes a stored log "processed". */
export interface Indexer {
  /** Tells `listener` of every indexed range; returns the function that unsubscribes. */
  subscribe(listener: (r: IndexedRange) => void): () => void
  /** Logs were stored: index them soon. */
  kick(): void
  pause(): void
  resume(): void
  /** Resolves once indexing runs (or gave up waiting): the daemon listens after that. */
  ready(): Promise<void>
  /** Figures for health (an engine may show more). */
  readonly status: {
    readonly running: boolean
    readonly paused: boolean
    readonly indexed_upto: number
    readonly last_error: string | null
  }
}

/** What the daemon reports of its storage, and whether writes must wait. */
export interface StorageHealthView {
  /** The database, as deep health shows it (figures a person can act on). */
  check(): Promise<{ status: 'healthy' | 'degraded'; [figure: string]: unknown }>
  /** Why nothing can be stored now (disk full, the file gone), or null. */
  problem(): { kind: 'disk_full' | 'database_gone' | 'database_unreachable'; detail: string } | null
  /** Deep health's `storage` figures. */
  report(): Record<string, unknown>
  /** Writes must wait a moment (the WAL near its bound): the seconds to wait, or null. */
  backpressure(): { detail: string; retryAfter: number } | null
  /** A write must be refused outright (the database file is gone): why, or null. */
  writeRefusal(): { detail: string; retryAfter: number } | null
  /** A write failed: whether for lack of space (then noted: health says so until there is room). */
  noteError(err: unknown): boolean
}

/**
 * What a daemon tells the other daemons on the same database, so that what each holds in
 * memory (authenticated keys, limits, open tails, project settings) follows what another
 * changed. Small: ids, never bodies.
 */
export type ClusterEvent =
  /** A key was revoked (or deleted), disabled or changed: drop it from every cache, check its tails. */
  | { kind: 'key'; keyId: number; revoked: boolean }
  /** A key's rate limits changed: read them again. */
  | { kind: 'limits'; keyId: number }
  /** A session (refresh-token family) ended: its access tokens and tails end too. */
  | { kind: 'session'; familyId: string; end: TailEnd }
  /** A project's settings changed (quota, retention), or it was deleted with its keys and logs. */
  | { kind: 'project'; projectId: number; accountId: number; deleted: boolean }
  /** An account's panels changed (created, updated, deleted): drop its cached panel list. */
  | { kind: 'panels'; accountId: number }

/**
 * The daemons sharing one database, and the news they send each other (PostgreSQL:
 * LISTEN/NOTIFY on a connection of its own; SQLite: one daemon, nothing to tell). Committed log
 * ranges travel inside the engine (its indexer's `others`); this carries the rest.
 */
export interface ClusterBus {
  /** This daemon's id among the others (random at each start). */
  readonly instanceId: string
  /**
   * Tells every other daemon, after the change is committed. Never throws: a failure is logged
   * (the others catch up when their bus reconnects, see `resync`).
   */
  publish(event: ClusterEvent): Promise<void>
  /**
   * What the other daemons published. `resync`: this daemon's bus was cut and is back, and
   * news may have been missed meanwhile: drop what is cached, check again what is held open.
   */
  subscribe(listener: (event: ClusterEvent | { kind: 'resync' }) => void): () => void
  /** How this daemon's queue depths are read (per project), to be announced to the others. */
  shareDepths(read: () => ReadonlyMap<number, number>): void
  /** Logs waiting in the queues of the other live daemons: of one project, or of all. */
  othersDepth(projectId?: number): number
  /** Deep health's figures: the other daemons heard from lately, whether the bus is connected. */
  report(): { status: 'healthy' | 'degraded'; transport: string; [figure: string]: unknown }
}

/** An engine's whole storage: what the composition root opens, wires and closes. */
export interface Storage {
  readonly engine: 'sqlite' | 'postgres'
  readonly accounts: AccountStore
  readonly sessions: SessionStore
  readonly verification: VerificationStore
  readonly projects: ProjectStore
  readonly apiKeys: ApiKeyStore
  readonly panels: PanelStore
  readonly logWrites: LogWriteStore
  readonly logReads: LogReadStore
  readonly retention: RetentionStore
  readonly indexer: Indexer
  readonly health: StorageHealthView
  /** The other daemons on the same database (none on SQLite). */
  readonly bus: ClusterBus
  /** Where indexing stood at open. */
  readonly indexState: IndexState
  /** The secret that signs access tokens and one-time codes (made once, kept by the engine). */
  readonly secret: Uint8Array
  /** Starts the engine's background work (indexing, checkpoints, watching the files). */
  start(): void
  /** Stops it and closes the database; the last step of a shutdown. */
  close(): Promise<void>
}
