import type { z } from 'zod'
import {
  type ApiKey,
  type ApiKeyDetail,
  type ApiKeyList,
  type CheckRequestSchema,
  type CheckResponse,
  type CreateApiKeyRequestSchema,
  type CreatedApiKey,
  type DashboardStats,
  type Limits,
  type LimitsRequestSchema,
  type Metrics,
  SCOPES,
  type Scope,
  type UpdateApiKeyRequestSchema,
} from '../../contract/api-keys.js'
import type { Success } from '../../contract/common.js'
import type { TailEnd } from '../../contract/logs.js'
import { formatTimestamp, parseTimestamp } from '../../shared/time.js'
import { generateApiKey, hashApiKey, parseApiKey } from '../../contract/api-key-format.js'
import type { ApiKeyRecord, KeyScope } from '../storage/types.js'
import type { ServiceContext } from './context.js'
import type { CredentialEvents } from './credential-events.js'
import { badRequest, conflict, forbidden, notFound, unauthorized } from './errors.js'
import type { KeyStats } from './key-stats.js'
import type { KeyPrincipal } from './principal.js'
import { DEFAULT_LIMITS, type LimitSpec, type RateLimiter } from './rate-limiter.js'

export type { KeyPrincipal } from './principal.js'

const CACHE_LIMIT = 10_000
const USAGE_SHOWN = 20
const DAY_MS = 86_400_000
const MAX_METRICS_RANGE_MS = 90 * DAY_MS

type LimitsInput = z.output<typeof LimitsRequestSchema>

/** Limits as the rate limiter runs them; the label is what a 429 says. */
export function toLimitSpecs(l: LimitsInput): LimitSpec[] {
  const rate = Number(l.tokens_per_second.toFixed(3))
  const label =
    l.algorithm === 'token_bucket'
      ? `${l.burst_capacity} requests burst, refilled at ${rate} per second`
      : `${l.burst_capacity} requests per ${Number((l.burst_capacity / l.tokens_per_second).toFixed(3))} seconds`
  return [{ algorithm: l.algorithm, tokensPerSecond: l.tokens_per_second, capacity: l.burst_capacity, label }]
}

/** Project API keys: creation, management, authentication, limits and their figures. */
export class ApiKeyService {
  /**
   * Live keys already looked up, by hash: authentication is on every ingest request. Only live
   * keys are cached (a flood of forged keys cannot fill it); revoking or disabling drops them.
   */
  private readonly live = new Map<string, KeyPrincipal>()

  constructor(
    private readonly ctx: ServiceContext,
    private readonly limiter: RateLimiter,
    private readonly stats: KeyStats,
    /** Told of every revocation or change of a key (open live tails listen). */
    private readonly credentials?: CredentialEvents,
  ) {}

  /** Loads the custom limits of every key into the rate limiter (at start). */
  async loadLimits(): Promise<void> {
    for (const k of await this.ctx.storage.apiKeys.withLimits()) this.limiter.loadLimits(k.id, toLimitSpecs(k.limits))
  }

  async create(
    accountId: number,
    projectId: number,
    input: z.output<typeof CreateApiKeyRequestSchema>,
  ): Promise<CreatedApiKey> {
    const project = await this.ctx.storage.projects.findById(projectId)
    if (!project) throw notFound('Project not found')
    if (project.account_id !== accountId) throw forbidden('You do not own this project')
    const cap = this.ctx.config.maxKeysPerProject
    const { key, prefix, hash } = generateApiKey(projectId)
    const now = this.ctx.now()
    const row = await this.ctx.storage.apiKeys.create(
      {
        projectId,
        name: input.name,
        description: input.description ?? null,
        prefix,
        hash,
        now,
        scopes: input.scopes ?? SCOPES,
        expiresAt: input.expires_in_days ? now + input.expires_in_days * DAY_MS : null,
      },
      cap,
    )
    if (row === 'capped') {
      throw conflict(`This project already has ${cap} API keys, the most this daemon allows per project; revoke one first`)
    }
    return {
      key_id: row.id,
      full_key: key,
      key_prefix: row.key_prefix,
      warning: 'Save this key now! It will not be shown again.',
    }
  }

  async revoke(accountId: number, keyId: number): Promise<Success> {
    await this.owned(accountId, keyId)
    await this.ctx.storage.apiKeys.revoke(keyId, this.ctx.now())
    this.forgetKey(keyId)
    this.credentials?.emit({ kind: 'key', keyId })
    await this.ctx.storage.bus.publish({ kind: 'key', keyId, revoked: true })
    return { success: true, message: `API key ${keyId} has been revoked` }
  }

  /** Keys of an account, of one of its projects, or (admin) every key. */
  async list(scope: KeyScope, page: number, size: number, accountId?: number): Promise<ApiKeyList> {
    if (typeof scope === 'object' && 'projectId' in scope && accountId !== undefined) {
      const project = await this.ctx.storage.projects.findById(scope.projectId)
      if (!project) throw notFound('Project not found')
      if (project.account_id !== accountId) throw forbidden('You do not own this project')
    }
    const { rows, total } = await this.ctx.storage.apiKeys.list(scope, size, (page - 1) * size)
    return { api_keys: rows.map((r) => this.toApiKey(r)), total, page, size }
  }

  /** A key with its latest calls; `accountId` null for the admin. */
  async get(accountId: number | null, keyId: number): Promise<ApiKeyDetail> {
    const row = await this.owned(accountId, keyId)
    const usage = [
      ...this.stats.pendingUsage(keyId).map((u) => ({ ...u, id: 0 })),
      ...(await this.ctx.storage.apiKeys.recentUsage(keyId, USAGE_SHOWN)),
    ]
      .slice(0, USAGE_SHOWN)
      .map((u) => ({
        id: u.id,
        endpoint: u.endpoint,
        method: u.method,
        status_code: u.status_code,
        response_time: u.response_time,
        created_at: formatTimestamp(u.created_at),
      }))
    return { ...this.toApiKey(row), usage }
  }

  async update(accountId: number, keyId: number, input: z.output<typeof UpdateApiKeyRequestSchema>): Promise<ApiKey> {
    const row = await this.owned(accountId, keyId)
    if (row.revoked_at !== null && input.is_active === true) {
      throw conflict(`API key ${keyId} is revoked and can never be enabled again`)
    }
    await this.ctx.storage.apiKeys.update(keyId, input)
    if (input.is_active === false) this.forgetKey(keyId, false)
    this.credentials?.emit({ kind: 'key', keyId })
    await this.ctx.storage.bus.publish({ kind: 'key', keyId, revoked: false })
    return this.toApiKey((await this.ctx.storage.apiKeys.findById(keyId))!)
  }

  async limits(accountId: number | null, keyId: number): Promise<Limits> {
    const row = await this.owned(accountId, keyId)
    if (!row.limits) {
      const [minute, hour] = DEFAULT_LIMITS
      return {
        algorithm: 'token_bucket',
        tokens_per_second: Number(minute!.tokensPerSecond.toFixed(3)),
        burst_capacity: minute!.capacity,
        hourly_limit: hour!.capacity,
        is_default: true,
      }
    }
    return { ...row.limits, is_default: false }
  }

  /** New limits apply to the very next request, starting full. */
  async setLimits(accountId: number | null, keyId: number, input: LimitsInput): Promise<Limits> {
    const row = await this.owned(accountId, keyId)
    if (row.revoked_at !== null) throw conflict(`API key ${keyId} is revoked`)
    await this.ctx.storage.apiKeys.setLimits(keyId, input)
    await this.limiter.setLimits(keyId, toLimitSpecs(input))
    await this.ctx.storage.bus.publish({ kind: 'limits', keyId })
    return { ...input, is_default: false }
  }

  /** Ledger as a rate limiter: draws `cost` tokens from the key's own limits. */
  async check(input: z.output<typeof CheckRequestSchema>): Promise<{
    allowed: boolean
    body: CheckResponse
    retryAfter: number
  }> {
    const key = await this.authenticate(input.api_key)
    if (!key || this.isExpired(key)) throw unauthorized('Invalid API key')
    const cost = input.cost ?? 1
    const burst = Math.min(...this.limiter.limitsOf(key.keyId).map((l) => l.capacity))
    if (cost > burst)
      throw badRequest(`cost must be a positive integer no larger than the burst capacity (${burst})`)
    const now = this.ctx.now()
    // The answer is the limit itself: never a per-instance one (Redis down → 503, Retry-After).
    const d = await this.limiter.checkShared(key.keyId, now, cost)
    this.stats.recordDecision(key.keyId, now, d.allowed)
    return {
      allowed: d.allowed,
      body: {
        allowed: d.allowed,
        remaining_tokens: d.remaining,
        limit: d.limit,
        reset_in_seconds: Math.ceil(d.fullInMs / 1000),
      },
      retryAfter: d.retryAfter,
    }
  }

  /** Allowed and throttled requests per minute (ranges up to a day) or per hour. */
  async metrics(accountId: number | null, keyId: number, fromText: string, toText: string): Promise<Metrics> {
    await this.owned(accountId, keyId)
    const from = parseTimestamp(fromText)
    const to = parseTimestamp(toText)
    if (from === null) throw badRequest('from must be an ISO 8601 timestamp with a time zone')
    if (to === null) throw badRequest('to must be an ISO 8601 timestamp with a time zone')
    if (from >= to) throw badRequest('from must be before to')
    if (to - from > MAX_METRICS_RANGE_MS) throw badRequest('the range from..to must be at most 90 days')
    const bucketMs = to - from <= DAY_MS ? 60_000 : 3_600_000
    const fromMinute = Math.floor(from / 60_000)
    const toMinute = Math.ceil(to / 60_000)
    const buckets = new Map<number, { allowed: number; throttled: number }>()
    const start = Math.floor(from / bucketMs) * bucketMs
    for (let t = start; t < to; t += bucketMs) buckets.set(t, { allowed: 0, throttled: 0 })
    const add = (m: { minute: number; allowed: number; throttled: number }) => {
      const b = buckets.get(Math.floor((m.minute * 60_000) / bucketMs) * bucketMs)
      if (b) {
        b.allowed += m.allowed
        b.throttled += m.throttled
      }
    }
    for (const m of await this.ctx.storage.apiKeys.metricsBetween(keyId, fromMinute, toMinute)) add(m)
    for (const m of this.stats.pendingMinutes(keyId, fromMinute, toMinute)) add(m)
    const series = [...buckets].map(([t, b]) => ({ timestamp: formatTimestamp(t), ...b }))
    return {
      allowed_count: series.reduce((n, b) => n + b.allowed, 0),
      throttled_count: series.reduce((n, b) => n + b.throttled, 0),
      time_series: series,
    }
  }

  /** Seed 001's dashboard figures for an account's keys. */
  async dashboard(accountId: number): Promise<DashboardStats> {
    const { rows } = await this.ctx.storage.apiKeys.list({ accountId }, 10_000, 0)
    let calls = 0
    let successes = 0
    let responseMs = 0
    for (const r of rows) {
      const p = this.stats.pendingCounters(r.id)
      calls += r.usage_count + (p?.calls ?? 0)
      successes += r.success_count + (p?.successes ?? 0)
      responseMs += r.response_ms_total + (p?.responseMs ?? 0)
    }
    const keys = rows.map((r) => this.toApiKey(r))
    return {
      active_api_keys: keys.filter((k) => k.is_active).length,
      total_api_calls: calls,
      api_usage: {
        success_rate: calls === 0 ? 0 : Math.round((successes / calls) * 10000) / 100,
        avg_response_time: calls === 0 ? 0 : Math.round((responseMs / calls) * 1000) / 1000 / 1000,
      },
      api_keys: keys,
    }
  }

  /**
   * The principal of a live key, or null: malformed keys are refused before any lookup, and a
   * key looked up before answers from memory (the hot path of every ingest request).
   */
  cachedKey(key: string): KeyPrincipal | null | undefined {
    if (!parseApiKey(key)) return null
    return this.live.get(hashApiKey(key))
  }

  /** The principal of a live key, or null: malformed keys are refused before any lookup. */
  async authenticate(key: string): Promise<KeyPrincipal | null> {
    const cached = this.cachedKey(key)
    if (cached !== undefined) return cached
    const parsed = parseApiKey(key)!
    const hash = hashApiKey(key)
    const row = await this.ctx.storage.apiKeys.findByHash(hash)
    if (!row || row.revoked_at !== null || !row.is_active || row.project_id !== parsed.projectId) return null
    const principal: KeyPrincipal = {
      keyId: row.id,
      projectId: row.project_id,
      accountId: row.account_id,
      scopes: row.scopes,
      expiresAt: row.expires_at,
    }
    if (this.live.size >= CACHE_LIMIT) this.live.clear()
    this.live.set(hash, principal)
    return principal
  }

  /**
   * Why a key no longer grants `scope` (revoked, disabled, expired, the scope removed), or null
   * while it still does: what ends a live tail opened with it. One lookup by id.
   */
  async standing(keyId: number, scope: Scope): Promise<TailEnd | null> {
    const row = await this.ctx.storage.apiKeys.findById(keyId)
    if (!row || row.revoked_at !== null) return { reason: 'key_revoked', detail: `API key ${keyId} was revoked` }
    if (!row.is_active) return { reason: 'key_disabled', detail: `API key ${keyId} was disabled` }
    if (row.expires_at !== null && row.expires_at <= this.ctx.now()) {
      return { reason: 'key_expired', detail: `API key ${keyId} has expired` }
    }
    if (!row.scopes.includes(scope)) {
      return { reason: 'key_scope_removed', detail: `API key ${keyId} no longer has the '${scope}' scope` }
    }
    return null
  }

  /** Whether a key's expiry has passed (it is then refused with 401). */
  isExpired(key: KeyPrincipal): boolean {
    return key.expiresAt !== null && key.expiresAt <= this.ctx.now()
  }

  /** A key of this account (403 for another's, 404 for none); `null` account: the admin. */
  private async owned(accountId: number | null, keyId: number): Promise<ApiKeyRecord> {
    const row = await this.ctx.storage.apiKeys.findById(keyId)
    if (!row) throw notFound('API key not found')
    if (accountId !== null && row.account_id !== accountId) throw forbidden('You do not own this API key')
    return row
  }

  private toApiKey(row: ApiKeyRecord): ApiKey {
    const p = this.stats.pendingCounters(row.id)
    const lastUsed = Math.max(row.last_used ?? 0, p?.lastUsed ?? 0)
    return {
      id: row.id,
      project_id: row.project_id,
      name: row.name,
      description: row.description,
      key_prefix: row.key_prefix,
      scopes: row.scopes,
      is_active: row.is_active && row.revoked_at === null,
      revoked: row.revoked_at !== null,
      created_at: formatTimestamp(row.created_at),
      expires_at: row.expires_at === null ? null : formatTimestamp(row.expires_at),
      last_used: lastUsed > 0 ? formatTimestamp(lastUsed) : null,
      usage_count: row.usage_count + (p?.calls ?? 0),
    }
  }

  /** Keys deleted with their project: out of every cache, and whoever holds one checks it again. */
  deleted(keyIds: readonly number[]): void {
    for (const keyId of keyIds) {
      this.forgetKey(keyId)
      this.credentials?.emit({ kind: 'key', keyId })
    }
  }

  /**
   * Another daemon changed a key (`revoked`: revoked or deleted): this one forgets what it
   * cached of it, and whoever holds it open checks it again.
   */
  changedElsewhere(keyId: number, revoked: boolean): void {
    this.forgetKey(keyId, revoked)
    this.credentials?.emit({ kind: 'key', keyId })
  }

  /**
   * Another daemon changed a key's limits: read from storage (the latest, whichever daemon
   * wrote last) and installed with the limiter's `loadLimits`, as at start. The daemon that
   * made the change has already reset the key's state (`setLimits`): in a shared limiter the
   * buckets are not reset twice; in memory, the new limits start full here too.
   */
  async limitsChangedElsewhere(keyId: number): Promise<void> {
    const row = await this.ctx.storage.apiKeys.findById(keyId)
    if (!row || row.revoked_at !== null) this.limiter.forget(keyId)
    else if (row.limits) this.limiter.loadLimits(keyId, toLimitSpecs(row.limits))
    else await this.limiter.setLimits(keyId, null)
  }

  /** Another daemon deleted a project: its keys (as cached here) are forgotten. */
  projectDeletedElsewhere(projectId: number): void {
    const keyIds = new Set<number>()
    for (const p of this.live.values()) if (p.projectId === projectId) keyIds.add(p.keyId)
    for (const keyId of keyIds) this.forgetKey(keyId)
    this.credentials?.emit({ kind: 'project', projectId })
  }

  /**
   * News from the other daemons may have been missed (the bus was cut): every cached key is
   * looked up again at its next use, and every key's limits are read again.
   */
  async resync(): Promise<void> {
    this.live.clear()
    await this.loadLimits()
    this.credentials?.emit({ kind: 'any' })
  }

  /** Drops a key from the auth cache (and, when revoked, its limiter state). */
  private forgetKey(keyId: number, revoked = true): void {
    for (const [hash, p] of this.live) if (p.keyId === keyId) this.live.delete(hash)
    if (revoked) this.limiter.forget(keyId)
  }
}
