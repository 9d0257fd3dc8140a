import { randomBytes, randomUUID } from 'node:crypto'
import type pg from 'pg'
import { redactDatabaseUrl } from '../../config.js'
import type {
  AccountStore,
  ClusterBus,
  ApiKeyRecord,
  ApiKeyStore,
  Indexer,
  KeyLimitsRecord,
  KeyScope,
  LogReadStore,
  LogWriteStore,
  PanelStore,
  ProjectStore,
  RetentionStore,
  SessionStore,
  Storage,
  StorageHealthView,
  VerificationStore,
} from '../types.js'
import { InvalidInputError, StorageUnavailableError, USAGE_HISTORY } from '../types.js'
import { type BusOptions, PostgresBus } from './bus.js'
import { createPool, isUnavailable, unavailableReason } from './connection.js'
import { PostgresIndexer } from './indexer.js'
import { logReadStore, storeWrites } from './logs.js'
import { migrate } from './migrations.js'
import { DAY_MS, DAYS_AHEAD, dropExpiredPartitions, ensurePartitions } from './partitions.js'

/** What the engine logs: a warning once, an error with context. */
export interface StorageLog {
  warn(obj: unknown, msg: string): void
  error(obj: unknown, msg: string): void
}

export interface PostgresOptions {
  url: string
  /** Pool size (default 10). */
  maxConnections?: number
  /** How often the server is probed while the daemon runs (ms). */
  probeMs?: number
  /** The bus's timings (tests shorten them). */
  bus?: BusOptions
}

/** Why the database cannot be reached, or null: what /health and the write gate say. */
interface Outage {
  since: number
  reason: string
}

/**
 * Ledger on PostgreSQL: every table of the seam in one database, a pool of connections. A log
 * is stored (durable) by its group commit, and searchable once the indexer (indexer.ts) has put
 * its full text in `log_search`, as the full-text thread does on SQLite (README.md).
 */
export class PostgresStorage implements Storage {
  readonly engine = 'postgres' as const
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
  /** The indexer as this engine's (tests index on demand with `batch`). */
  readonly pgIndexer: PostgresIndexer
  readonly health: StorageHealthView
  readonly bus: ClusterBus
  readonly indexState: Storage['indexState']
  readonly secret: Uint8Array
  /** The pool, for this folder's tests and tools. */
  readonly pool: pg.Pool
  /** The URL as it may be shown (no password). */
  readonly displayUrl: string
  private outage: Outage | null = null
  private probeTimer: NodeJS.Timeout | undefined
  private readonly pgBus: PostgresBus
  private readonly knownDays = new Set<number>()
  private schemaVersion = 0
  private closed = false

  /**
   * Connects, migrates (under an advisory lock), makes the partitions ahead and reads (or makes)
   * the secret. A server that cannot be reached: one error saying so, without the password.
   */
  static async open(opts: PostgresOptions, log: StorageLog, now: () => number): Promise<PostgresStorage> {
    const displayUrl = redactDatabaseUrl(opts.url)
    const pool = createPool(opts.url, { max: opts.maxConnections })
    try {
      let client: pg.PoolClient
      try {
        client = await pool.connect()
      } catch (err) {
        throw new Error(`cannot reach PostgreSQL at ${displayUrl}: ${describe(err)}`)
      }
      let version: number
      try {
        version = await migrate(client)
      } finally {
        client.release()
      }
      const day = Math.floor(now() / DAY_MS)
      await ensurePartitions(pool, day - 1, day + DAYS_AHEAD)
      await pool.query('INSERT INTO ledger_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [randomBytes(32)])
      const secret = (await pool.query<{ secret: Buffer }>('SELECT secret FROM ledger_secret WHERE id = 1')).rows[0]!.secret
      const indexed = (await pool.query<{ upto: number }>('SELECT indexed_upto AS upto FROM log_index WHERE id = 1')).rows[0]!.upto
      return new PostgresStorage(pool, opts, displayUrl, log, now, new Uint8Array(secret), indexed, version)
    } catch (err) {
      await pool.end().catch(() => undefined)
      throw err
    }
  }

  private constructor(
    pool: pg.Pool,
    private readonly opts: PostgresOptions,
    displayUrl: string,
    private readonly log: StorageLog,
    private readonly now: () => number,
    secret: Uint8Array,
    indexedUpTo: number,
    version: number,
  ) {
    this.pool = pool
    this.displayUrl = displayUrl
    this.secret = secret
    this.schemaVersion = version
    this.indexState = { indexedUpTo, rebuildUpTo: 0 }
    pool.removeAllListeners('error')
    // An idle connection the server ended (restart, pg_terminate_backend): the pool drops it and
    // opens another on the next query; the probe says whether the server is back.
    pool.on('error', (err) => this.log.warn({ reason: unavailableReason(err) }, 'a PostgreSQL connection was closed; it will be replaced'))
    const instanceId = randomUUID()
    this.pgIndexer = new PostgresIndexer(pool, instanceId, log, indexedUpTo)
    this.indexer = this.pgIndexer
    this.pgBus = new PostgresBus(opts.url, pool, this.pgIndexer, log, opts.bus, instanceId)
    this.bus = this.pgBus
    const guard = <T extends object>(store: T): T => guarded(store, (err) => this.translate(err), () => this.noteSuccess())
    this.accounts = guard(accountStore(pool))
    this.sessions = guard(sessionStore(pool))
    this.verification = guard(verificationStore(pool))
    this.projects = guard(projectStore(pool))
    this.apiKeys = guard(apiKeyStore(pool))
    this.panels = guard(panelStore(pool))
    this.logWrites = guard(this.logWriteStore())
    this.logReads = guard(logReadStore(pool))
    this.retention = guard(this.retentionStore())
    this.health = {
      check: async () => this.check(),
      problem: () =>
        this.outage
          ? { kind: 'database_unreachable', detail: `PostgreSQL is unreachable (${this.outage.reason}); retrying` }
          : null,
      report: () => ({
        status: this.outage ? 'unhealthy' : 'healthy',
        engine: 'postgres',
        database: this.displayUrl,
        ...(this.outage ? { unreachable_since: new Date(this.outage.since).toISOString(), reason: this.outage.reason } : {}),
        pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
      }),
      backpressure: () => null,
      writeRefusal: () =>
        this.outage ? { detail: `PostgreSQL is unreachable (${this.outage.reason}): nothing can be stored now`, retryAfter: 2 } : null,
      noteError: (err) => {
        if (isUnavailable(err)) this.noteFailure(err)
        return false
      },
    }
  }

  start(): void {
    // Probes the server: while it is away, writes are refused (503) and /health says so; once it
    // answers again, everything goes on by itself.
    const probe = async () => {
      try {
        await this.pool.query('SELECT 1')
        this.noteSuccess()
      } catch (err) {
        if (isUnavailable(err)) this.noteFailure(err)
      }
    }
    this.probeTimer = setInterval(() => void probe(), this.opts.probeMs ?? 1000)
    this.probeTimer.unref()
    // The other daemons on the same database: what they indexed (announced to this daemon's
    // tails), their changes of credentials and limits, their queue depths (bus.ts).
    this.pgBus.start()
    // Indexing, by whichever daemon holds the watermark (indexer.ts).
    this.pgIndexer.start()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.probeTimer)
    await this.pgIndexer.close()
    await this.pgBus.close()
    await this.pool.end()
  }

  private noteFailure(err: unknown): void {
    if (this.outage) return
    const reason = unavailableReason(err)
    this.outage = { since: this.now(), reason }
    this.log.error({ reason }, `PostgreSQL at ${this.displayUrl} is unreachable; retrying`)
  }

  private noteSuccess(): void {
    if (!this.outage) return
    this.outage = null
    this.log.warn({}, `PostgreSQL at ${this.displayUrl} answers again`)
  }

  /** A PostgreSQL error as the seam's: the server away → StorageUnavailableError; NUL → 400. */
  private translate(err: unknown): unknown {
    // The engine's own (a concurrent Idempotency-Key): the database is fine.
    if (err instanceof StorageUnavailableError) return err
    if (isUnavailable(err)) {
      // A connection that could not be made means the server is away (health says so until the
      // probe reaches it); one cut under a query (pg_terminate_backend) is only that request's.
      if (!isConnectionCut(err)) this.noteFailure(err)
      return new StorageUnavailableError(unavailableReason(err))
    }
    const code = (err as { code?: string }).code
    // Text PostgreSQL cannot hold (U+0000; the HTTP layer refuses it before, on every engine):
    // bad input, never a 500.
    if (code === '22021' || code === '22P05') return new InvalidInputError('Text must not contain U+0000 (NUL)')
    return err
  }

  private async check(): Promise<{ status: 'healthy' | 'degraded'; [k: string]: unknown }> {
    const started = performance.now()
    try {
      const r = await this.pool.query<{ size: number; version: string }>(
        'SELECT pg_database_size(current_database()) AS size, current_setting(\'server_version\') AS version',
      )
      this.noteSuccess()
      return {
        status: 'healthy',
        latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
        size_bytes: r.rows[0]!.size,
        schema_version: this.schemaVersion,
        server_version: r.rows[0]!.version,
        url: this.displayUrl,
      }
    } catch (err) {
      if (isUnavailable(err)) this.noteFailure(err)
      return {
        status: 'degraded',
        latency_ms: 0,
        size_bytes: 0,
        schema_version: this.schemaVersion,
        url: this.displayUrl,
        error: isUnavailable(err) ? unavailableReason(err) : (err as Error).message,
      }
    }
  }

  /** Makes the partitions a commit needs (its receive days), once per day per daemon. */
  private async partitionsFor(days: Iterable<number>): Promise<void> {
    const missing = [...new Set(days)].filter((d) => !this.knownDays.has(d))
    if (missing.length === 0) return
    await ensurePartitions(this.pool, Math.min(...missing), Math.max(...missing))
    for (const d of missing) this.knownDays.add(d)
  }

  private logWriteStore(): LogWriteStore {
    const pool = this.pool
    return {
      // Two at once: the next commit's statement is sent (its arrays parsed) while the one
      // before it is under way, and then waits inside PostgreSQL for the log_ids row lock
      // (ids in commit order), instead of waiting for that answer to reach this daemon first.
      concurrentCommits: 2,
      commit: async (writes) => {
        await this.partitionsFor(writes.map((w) => Math.floor(w.receivedAt / DAY_MS)))
        const client = await pool.connect()
        let last: number
        try {
          // One statement, its own transaction. The indexer is told next (the queue kicks it).
          last = await storeWrites(client, writes)
        } catch (err) {
          // A connection that failed mid-statement is not given back to the pool.
          client.release(isUnavailable(err) && !(err instanceof StorageUnavailableError) ? (err as Error) : undefined)
          throw err
        }
        client.release()
        // Its indexing batch made now, from the logs in hand (indexer.ts).
        this.pgIndexer.stored(writes)
        return last
      },
      async quotaUsed(projectId, day) {
        const r = await pool.query<{ count: number }>('SELECT count FROM quota_usage WHERE project_id = $1 AND day = $2', [
          projectId,
          day,
        ])
        return r.rows[0]?.count ?? 0
      },
      async findIdempotency(projectId, key) {
        const r = await pool.query(
          'SELECT project_id, idem_key, body_hash, response, created_at, last_log_id FROM idempotency_keys WHERE project_id = $1 AND idem_key = $2',
          [projectId, key],
        )
        return r.rows[0]
      },
      async purge(before, day) {
        await pool.query('DELETE FROM quota_usage WHERE day < $1', [day])
        return (await pool.query('DELETE FROM idempotency_keys WHERE created_at < $1', [before])).rowCount ?? 0
      },
    }
  }

  private retentionStore(): RetentionStore {
    const pool = this.pool
    return {
      expire: async (projectId, cutoff, limit) => {
        const day = Math.floor(this.now() / DAY_MS)
        // Whole days first (a catalog change), then the rest row by row, oldest first. Partitions
        // for the next days are made here too: the daemon's maintenance runs every minute.
        let dropped = 0
        try {
          dropped = await dropExpiredPartitions(pool, this.now())
          await this.partitionsFor(Array.from({ length: DAYS_AHEAD + 1 }, (_, i) => day + i))
        } catch (err) {
          if (isUnavailable(err)) throw err
          this.log.warn({ err }, 'partition maintenance failed')
        }
        // A log and its full text together. Only logs already indexed: one the indexer is reading
        // now (above the watermark) would have its text stored after the log is gone.
        const r = await pool.query<{ n: number }>(
          `WITH gone AS (
             DELETE FROM logs WHERE received_at < $2 AND id = ANY(ARRAY(
               SELECT id FROM logs WHERE project_id = $1 AND received_at < $2
                 AND id <= (SELECT indexed_upto FROM log_index WHERE id = 1)
               ORDER BY received_at, id LIMIT $3))
             AND project_id = $1
             RETURNING id, received_at),
           unsearchable AS (
             DELETE FROM log_search s USING gone g WHERE s.id = g.id AND s.received_at = g.received_at)
           SELECT count(*) AS n FROM gone`,
          [projectId, cutoff, limit],
        )
        const n = r.rows[0]?.n ?? 0
        if (n < limit) {
          await pool.query('DELETE FROM log_minutes WHERE project_id = $1 AND minute < $2', [projectId, Math.floor(cutoff / 60_000)])
        }
        // Logs of whole dropped days count as deleted, but never make the caller loop again.
        return Math.min(n + dropped, n < limit ? limit - 1 : n)
      },
    }
  }
}

/** The server ended this connection (the query's answer is lost), without saying it is away. */
function isConnectionCut(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  return e.code === '57P01' || /Connection terminated unexpectedly/i.test(e.message ?? '')
}

/** A short, password-free description of a connection failure. */
function describe(err: unknown): string {
  const e = err as { code?: string; message?: string }
  if (isUnavailable(err)) return unavailableReason(err)
  // Authentication and "database does not exist" messages name the user and database only.
  return e.message ?? String(err)
}

/** Wraps each method of a store: PostgreSQL errors become the seam's (see `translate`). */
function guarded<T extends object>(store: T, translate: (err: unknown) => unknown, ok: () => void): T {
  const out = {} as Record<string, unknown>
  for (const [name, fn] of Object.entries(store)) {
    // A property that is not a method (LogWriteStore.concurrentCommits) is kept as it is.
    if (typeof fn !== 'function') {
      out[name] = fn
      continue
    }
    out[name] = async (...args: unknown[]) => {
      try {
        const r = await (fn as (...a: unknown[]) => unknown)(...args)
        ok()
        return r
      } catch (err) {
        throw translate(err)
      }
    }
  }
  return out as T
}

// ---------------------------------------------------------------------------------------------
// The stores of everything but logs: one or two statements each.

function accountStore(pool: pg.Pool): AccountStore {
  return {
    async create(a) {
      const r = await pool.query(
        `INSERT INTO accounts (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO NOTHING RETURNING *`,
        [a.email, a.name, a.passwordHash, a.now],
      )
      return r.rows[0] ?? 'exists'
    },
    findByEmail: async (email) => (await pool.query('SELECT * FROM accounts WHERE email = $1', [email])).rows[0],
    findById: async (id) => (await pool.query('SELECT * FROM accounts WHERE id = $1', [id])).rows[0],
    async setPasswordHash(id, hash) {
      await pool.query('UPDATE accounts SET password_hash = $1 WHERE id = $2', [hash, id])
    },
  }
}

function sessionStore(pool: pg.Pool): SessionStore {
  return {
    async startFamily(id, accountId, now) {
      await pool.query('INSERT INTO token_families (id, account_id, created_at) VALUES ($1, $2, $3)', [id, accountId, now])
    },
    async addRefreshToken(hash, familyId, now, expiresAt) {
      await pool.query('INSERT INTO refresh_tokens (token_hash, family_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
        hash,
        familyId,
        now,
        expiresAt,
      ])
    },
    findRefreshToken: async (hash) =>
      (
        await pool.query(
          `SELECT r.token_hash, r.family_id, r.created_at, r.expires_at, r.used_at, f.account_id, f.revoked_at AS family_revoked_at
           FROM refresh_tokens r JOIN token_families f ON f.id = r.family_id WHERE r.token_hash = $1`,
          [hash],
        )
      ).rows[0],
    // One statement: of two concurrent uses (two daemons included), exactly one spends it.
    spendRefreshToken: async (hash, now) =>
      ((await pool.query('UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL', [now, hash]))
        .rowCount ?? 0) === 1,
    async revokeFamily(id, now, reason) {
      await pool.query(
        'UPDATE token_families SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL',
        [now, reason, id],
      )
    },
    async isFamilyRevoked(id) {
      const row = (await pool.query<{ revoked_at: number | null }>('SELECT revoked_at FROM token_families WHERE id = $1', [id]))
        .rows[0]
      return !row || row.revoked_at !== null
    },
    async revokeAccessToken(jti, expiresAt) {
      await pool.query('INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING', [
        jti,
        expiresAt,
      ])
    },
    isAccessTokenRevoked: async (jti) => ((await pool.query('SELECT 1 FROM revoked_tokens WHERE jti = $1', [jti])).rowCount ?? 0) > 0,
    async purgeExpired(now) {
      await pool.query('DELETE FROM revoked_tokens WHERE expires_at < $1', [now])
      await pool.query('DELETE FROM refresh_tokens WHERE expires_at < $1', [now])
    },
  }
}

function verificationStore(pool: pg.Pool): VerificationStore {
  return {
    async putCode(email, hmac, now, expiresAt) {
      await pool.query(
        `INSERT INTO verification_codes (email, code_hmac, created_at, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET code_hmac = excluded.code_hmac, created_at = excluded.created_at,
           expires_at = excluded.expires_at, attempts = 0`,
        [email, hmac, now, expiresAt],
      )
    },
    findCode: async (email) => (await pool.query('SELECT * FROM verification_codes WHERE email = $1', [email])).rows[0],
    async countAttempt(email) {
      await pool.query('UPDATE verification_codes SET attempts = attempts + 1 WHERE email = $1', [email])
    },
    async deleteCode(email) {
      await pool.query('DELETE FROM verification_codes WHERE email = $1', [email])
    },
    async addFailure(email, at) {
      await pool.query('INSERT INTO verification_failures (email, at) VALUES ($1, $2)', [email, at])
    },
    failuresSince: async (email, since) =>
      (
        await pool.query<{ at: number }>('SELECT at FROM verification_failures WHERE email = $1 AND at > $2 ORDER BY at', [
          email,
          since,
        ])
      ).rows.map((r) => r.at),
    async purgeExpired(now, failuresBefore) {
      await pool.query('DELETE FROM verification_codes WHERE expires_at < $1', [now])
      await pool.query('DELETE FROM verification_failures WHERE at <= $1', [failuresBefore])
    },
  }
}

/** Runs `fn` in a transaction on one connection of the pool. */
async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const r = await fn(client)
    await client.query('COMMIT')
    client.release()
    return r
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    client.release(isUnavailable(err) ? (err as Error) : undefined)
    throw err
  }
}

function projectStore(pool: pg.Pool): ProjectStore {
  return {
    create: (p, cap) =>
      inTransaction(pool, async (c) => {
        // The account's row locked: two creates of one account (any daemon) take turns, so
        // neither passes the cap nor the slug check on a stale count.
        await c.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [p.accountId])
        if ((await c.query('SELECT 1 FROM projects WHERE account_id = $1 AND slug = $2', [p.accountId, p.slug])).rowCount) {
          return 'exists' as const
        }
        const n = (await c.query<{ n: number }>('SELECT count(*) AS n FROM projects WHERE account_id = $1', [p.accountId])).rows[0]!.n
        if (n >= cap) return 'capped' as const
        return (
          await c.query(
            'INSERT INTO projects (account_id, name, slug, environment, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
            [p.accountId, p.name, p.slug, p.environment, p.now],
          )
        ).rows[0]
      }),
    findBySlug: async (accountId, slug) =>
      (await pool.query('SELECT * FROM projects WHERE account_id = $1 AND slug = $2', [accountId, slug])).rows[0],
    findById: async (id) => (await pool.query('SELECT * FROM projects WHERE id = $1', [id])).rows[0],
    list: async (accountId) => (await pool.query('SELECT * FROM projects WHERE account_id = $1 ORDER BY id', [accountId])).rows,
    listAll: async () => (await pool.query('SELECT * FROM projects ORDER BY id')).rows,
    update: async (id, s) =>
      (
        await pool.query(
          `UPDATE projects SET name = coalesce($2, name), environment = coalesce($3, environment),
             retention_days = coalesce($4, retention_days), daily_quota = coalesce($5, daily_quota)
           WHERE id = $1 RETURNING *`,
          [id, s.name ?? null, s.environment ?? null, s.retention_days ?? null, s.daily_quota ?? null],
        )
      ).rows[0],
    delete: (id) =>
      // One transaction: the logs and their full text, counts, quota,
      // idempotency answers, keys (usage and metrics cascade), the account's panels that name the
      // project, and the project. The project's row is locked first, so a concurrent delete
      // (another daemon) finds nothing.
      inTransaction(pool, async (c) => {
        const project = (
          await c.query<{ account_id: number; slug: string }>('SELECT account_id, slug FROM projects WHERE id = $1 FOR UPDATE', [id])
        ).rows[0]
        if (!project) return null
        await c.query('DELETE FROM logs WHERE project_id = $1', [id])
        // A batch of the indexer under way may still store some of them: harmless, no log joins them.
        await c.query('DELETE FROM log_search WHERE project_id = $1', [id])
        await c.query('DELETE FROM log_minutes WHERE project_id = $1', [id])
        await c.query('DELETE FROM quota_usage WHERE project_id = $1', [id])
        await c.query('DELETE FROM idempotency_keys WHERE project_id = $1', [id])
        const keyIds = (await c.query<{ id: string | number }>('DELETE FROM api_keys WHERE project_id = $1 RETURNING id', [id])).rows.map(
          (r) => Number(r.id),
        )
        await c.query('DELETE FROM panels WHERE account_id = $1 AND project_ref IN ($2, $3)', [project.account_id, project.slug, String(id)])
        await c.query('DELETE FROM projects WHERE id = $1', [id])
        return { keyIds }
      }),
  }
}

const KEY_COLUMNS = `k.id, k.project_id, p.account_id, k.name, k.description, k.key_prefix, k.key_hash, k.created_at,
  k.revoked_at, k.is_active, k.last_used, k.usage_count, k.success_count, k.response_ms_total, k.limits, k.scopes, k.expires_at`

function toKeyRecord(row: Record<string, unknown>): ApiKeyRecord {
  return {
    ...(row as unknown as ApiKeyRecord),
    scopes: (row['scopes'] as string).split(',') as ApiKeyRecord['scopes'],
    limits: row['limits'] === null ? null : (JSON.parse(row['limits'] as string) as KeyLimitsRecord),
  }
}

function scopeWhere(scope: KeyScope): { where: string; params: unknown[] } {
  if (scope === 'all') return { where: 'true', params: [] }
  if ('accountId' in scope) return { where: 'p.account_id = $1', params: [scope.accountId] }
  return { where: 'k.project_id = $1', params: [scope.projectId] }
}

function apiKeyStore(pool: pg.Pool): ApiKeyStore {
  const byWhere = async (where: string, params: unknown[]) => {
    const row = (await pool.query(`SELECT ${KEY_COLUMNS} FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE ${where}`, params))
      .rows[0]
    return row && toKeyRecord(row)
  }
  return {
    create: (k, cap) =>
      inTransaction(pool, async (c) => {
        // The project's row locked: concurrent creates take turns under the cap.
        await c.query('SELECT 1 FROM projects WHERE id = $1 FOR UPDATE', [k.projectId])
        const n = (
          await c.query<{ n: number }>('SELECT count(*) AS n FROM api_keys WHERE project_id = $1 AND revoked_at IS NULL', [
            k.projectId,
          ])
        ).rows[0]!.n
        if (n >= cap) return 'capped' as const
        const id = (
          await c.query<{ id: number }>(
            `INSERT INTO api_keys (project_id, name, description, key_prefix, key_hash, created_at, scopes, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
            [k.projectId, k.name, k.description, k.prefix, k.hash, k.now, k.scopes.join(','), k.expiresAt],
          )
        ).rows[0]!.id
        const row = (await c.query(`SELECT ${KEY_COLUMNS} FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE k.id = $1`, [id]))
          .rows[0]
        return toKeyRecord(row)
      }),
    findByHash: (hash) => byWhere('k.key_hash = $1', [hash]),
    findById: (id) => byWhere('k.id = $1', [id]),
    async revoke(id, now) {
      await pool.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now, id])
    },
    async list(scope, limit, offset) {
      const { where, params } = scopeWhere(scope)
      const n = params.length
      const rows = (
        await pool.query(
          `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE ${where}
           ORDER BY k.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
          [...params, limit, offset],
        )
      ).rows
      const total = (
        await pool.query<{ n: number }>(`SELECT count(*) AS n FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE ${where}`, params)
      ).rows[0]!.n
      return { rows: rows.map(toKeyRecord), total }
    },
    async update(id, f) {
      await pool.query(
        `UPDATE api_keys SET name = coalesce($2, name),
           description = CASE WHEN $3 THEN $4 ELSE description END,
           is_active = coalesce($5, is_active) WHERE id = $1`,
        [id, f.name ?? null, f.description !== undefined, f.description ?? null, f.is_active ?? null],
      )
    },
    async setLimits(id, limits) {
      await pool.query('UPDATE api_keys SET limits = $1 WHERE id = $2', [limits === null ? null : JSON.stringify(limits), id])
    },
    withLimits: async () =>
      (
        await pool.query<{ id: number; limits: string }>(
          'SELECT id, limits FROM api_keys WHERE limits IS NOT NULL AND revoked_at IS NULL',
        )
      ).rows.map((k) => ({ id: k.id, limits: JSON.parse(k.limits) as KeyLimitsRecord })),
    // Additive: each daemon adds what it counted since its last flush, so several daemons
    // flushing the same key add up (no read-modify-write, nothing to drain twice).
    addCounters: (counters, metrics) =>
      inTransaction(pool, async (c) => {
        if (counters.length > 0) {
          await c.query(
            `UPDATE api_keys k SET usage_count = k.usage_count + u.calls, success_count = k.success_count + u.ok,
               response_ms_total = k.response_ms_total + u.ms, last_used = greatest(coalesce(k.last_used, 0), u.last)
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::bigint[]) AS u(id, calls, ok, ms, last)
             WHERE k.id = u.id`,
            [
              counters.map((x) => x.keyId),
              counters.map((x) => x.calls),
              counters.map((x) => x.successes),
              counters.map((x) => x.responseMs),
              counters.map((x) => x.lastUsed),
            ],
          )
        }
        if (metrics.length > 0) {
          // Unique per (key, minute) in one statement (ON CONFLICT cannot touch a row twice).
          const merged = new Map<string, { keyId: number; minute: number; allowed: number; throttled: number }>()
          for (const m of metrics) {
            const k = `${m.keyId}:${m.minute}`
            const prev = merged.get(k)
            if (prev) {
              prev.allowed += m.allowed
              prev.throttled += m.throttled
            } else merged.set(k, { ...m })
          }
          const ms = [...merged.values()]
          await c.query(
            `INSERT INTO api_key_metrics (key_id, minute, allowed, throttled)
             SELECT u.* FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS u(key_id, minute, allowed, throttled)
             WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = u.key_id)
             ON CONFLICT (key_id, minute) DO UPDATE SET allowed = api_key_metrics.allowed + excluded.allowed,
               throttled = api_key_metrics.throttled + excluded.throttled`,
            [ms.map((m) => m.keyId), ms.map((m) => m.minute), ms.map((m) => m.allowed), ms.map((m) => m.throttled)],
          )
        }
      }),
    appendUsage: (keyId, rows) =>
      inTransaction(pool, async (c) => {
        if (!(await c.query('SELECT 1 FROM api_keys WHERE id = $1 FOR SHARE', [keyId])).rowCount) return
        await c.query(
          `INSERT INTO api_key_usage (key_id, endpoint, method, status_code, response_time, created_at)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::float8[], $6::bigint[])`,
          [
            keyId,
            rows.map((r) => r.endpoint),
            rows.map((r) => r.method),
            rows.map((r) => r.status_code),
            rows.map((r) => r.response_time),
            rows.map((r) => r.created_at),
          ],
        )
        await c.query(
          `DELETE FROM api_key_usage WHERE key_id = $1 AND id <= coalesce(
             (SELECT id FROM api_key_usage WHERE key_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2), 0)`,
          [keyId, USAGE_HISTORY],
        )
      }),
    recentUsage: async (keyId, limit) =>
      (
        await pool.query(
          'SELECT id, key_id, endpoint, method, status_code, response_time, created_at FROM api_key_usage WHERE key_id = $1 ORDER BY id DESC LIMIT $2',
          [keyId, limit],
        )
      ).rows,
    metricsBetween: async (keyId, from, to) =>
      (
        await pool.query(
          'SELECT minute, allowed, throttled FROM api_key_metrics WHERE key_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute',
          [keyId, from, to],
        )
      ).rows,
  }
}

function panelStore(pool: pg.Pool): PanelStore {
  return {
    list: async (accountId) =>
      (await pool.query('SELECT * FROM panels WHERE account_id = $1 ORDER BY idx, created_at, id', [accountId])).rows,
    find: async (accountId, id) => (await pool.query('SELECT * FROM panels WHERE account_id = $1 AND id = $2', [accountId, id])).rows[0],
    async insert(p) {
      await pool.query(
        `INSERT INTO panels (id, account_id, name, idx, project_ref, time_range_from, time_range_to, type, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [p.id, p.account_id, p.name, p.idx, p.project_ref, p.time_range_from, p.time_range_to, p.type, p.created_at],
      )
    },
    update: async (accountId, id, p) =>
      ((
        await pool.query(
          `UPDATE panels SET name = $3, idx = $4, project_ref = $5, time_range_from = $6, time_range_to = $7, type = $8
           WHERE account_id = $1 AND id = $2`,
          [accountId, id, p.name, p.idx, p.project_ref, p.time_range_from, p.time_range_to, p.type],
        )
      ).rowCount ?? 0) > 0,
    delete: async (accountId, id) =>
      ((await pool.query('DELETE FROM panels WHERE account_id = $1 AND id = $2', [accountId, id])).rowCount ?? 0) > 0,
  }
}
