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
import {
  type ApiKeyAuthRow,
  countUnrevokedKeys,
  findApiKeyByHash,
  findApiKeyById,
  insertApiKey,
  type KeyScope,
  keysWithLimits,
  listApiKeys,
  metricsBetween,
  recentUsage,
  revokeApiKey,
  setApiKeyLimits,
  updateApiKey,
} from '../storage/sqlite/api-keys.js'
import { findProjectById } from '../storage/sqlite/projects.js'
import { ApiError, badRequest, conflict, forbidden, notFound } from './errors.js'
import type { ServiceContext } from './context.js'
import type { CredentialEvents } from './credential-events.js'
import { generateApiKey, hashApiKey, parseApiKey } from '../../contract/api-key-format.js'
import type { KeyStats } from './key-stats.js'
import { DEFAULT_LIMITS, type LimitSpec, type MemoryRateLimiter } from './rate-limiter.js'

/** The identity an API key grants to a request. */
export interface KeyPrincipal {
  keyId: number
  projectId: number
  accountId: number
  scopes: readonly Scope[]
  /** Epoch ms, or null for a key that never expires. */
  expiresAt: number | null
}

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
    private readonly limiter: MemoryRateLimiter,
    private readonly stats: KeyStats,
    /** Told of every revocation or change of a key (open live tails listen). */
    private readonly credentials?: CredentialEvents,
  ) {
    for (const k of keysWithLimits(ctx.db)) {
      limiter.setLimits(k.id, toLimitSpecs(JSON.parse(k.limits) as LimitsInput))
    }
  }

  create(
    accountId: number,
    projectId: number,
    input: z.output<typeof CreateApiKeyRequestSchema>,
  ): CreatedApiKey {
    const project = findProjectById(this.ctx.db, projectId)
    if (!project) throw notFound('Project not found')
    if (project.account_id !== accountId) throw forbidden('You do not own this project')
    const cap = this.ctx.config.maxKeysPerProject
    if (countUnrevokedKeys(this.ctx.db, projectId) >= cap) {
      throw conflict(`This project already has ${cap} API keys, the most this daemon allows per project; revoke one first`)
    }
    const { key, prefix, hash } = generateApiKey(projectId)
    const now = this.ctx.now()
    const row = insertApiKey(this.ctx.db, {
      projectId,
      name: input.name,
      description: input.description ?? null,
      prefix,
      hash,
      now,
      scopes: (input.scopes ?? SCOPES).join(','),
      expiresAt: input.expires_in_days ? now + input.expires_in_days * DAY_MS : null,
    })
    return {
      key_id: row.id,
      full_key: key,
      key_prefix: row.key_prefix,
      warning: 'Save this key now! It will not be shown again.',
    }
  }

  revoke(accountId: number, keyId: number): Success {
    this.owned(accountId, keyId)
    revokeApiKey(this.ctx.db, keyId, this.ctx.now())
    this.forgetKey(keyId)
    this.credentials?.emit({ kind: 'key', keyId })
    return { success: true, message: `API key ${keyId} has been revoked` }
  }

  /** Keys of an account, of one of its projects, or (admin) every key. */
  list(scope: KeyScope, page: number, size: number, accountId?: number): ApiKeyList {
    if (typeof scope === 'object' && 'projectId' in scope && accountId !== undefined) {
      const project = findProjectById(this.ctx.db, scope.projectId)
      if (!project) throw notFound('Project not found')
      if (project.account_id !== accountId) throw forbidden('You do not own this project')
    }
    const { rows, total } = listApiKeys(this.ctx.db, scope, size, (page - 1) * size)
    return { api_keys: rows.map((r) => this.toApiKey(r)), total, page, size }
  }

  /** A key with its latest calls; `accountId` null for the admin. */
  get(accountId: number | null, keyId: number): ApiKeyDetail {
    const row = this.owned(accountId, keyId)
    const usage = [
      ...this.stats.pendingUsage(keyId).map((u) => ({ ...u, id: 0 })),
      ...recentUsage(this.ctx.db, keyId, USAGE_SHOWN),
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

  update(accountId: number, keyId: number, input: z.output<typeof UpdateApiKeyRequestSchema>): ApiKey {
    const row = this.owned(accountId, keyId)
    if (row.revoked_at !== null && input.is_active === true) {
      throw conflict(`API key ${keyId} is revoked and can never be enabled again`)
    }
    updateApiKey(this.ctx.db, keyId, input)
    if (input.is_active === false) this.forgetKey(keyId, false)
    this.credentials?.emit({ kind: 'key', keyId })
    return this.toApiKey(findApiKeyById(this.ctx.db, keyId)!)
  }

  limits(accountId: number | null, keyId: number): Limits {
    const row = this.owned(accountId, keyId)
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
    return { ...(JSON.parse(row.limits) as LimitsInput), is_default: false }
  }

  /** New limits apply to the very next request, starting full. */
  setLimits(accountId: number | null, keyId: number, input: LimitsInput): Limits {
    const row = this.owned(accountId, keyId)
    if (row.revoked_at !== null) throw conflict(`API key ${keyId} is revoked`)
    setApiKeyLimits(this.ctx.db, keyId, JSON.stringify(input))
    this.limiter.setLimits(keyId, toLimitSpecs(input))
    return { ...input, is_default: false }
  }

  /** Ledger as a rate limiter (seed 002): draws `cost` tokens from the key's own limits. */
  check(input: z.output<typeof CheckRequestSchema>): {
    status: 200 | 429
    body: CheckResponse
    retryAfter: number
  } {
    const key = this.authenticate(input.api_key)
    if (!key || this.isExpired(key)) throw new ApiError(401, 'Invalid API key')
    const cost = input.cost ?? 1
    const burst = Math.min(...this.limiter.limitsOf(key.keyId).map((l) => l.capacity))
    if (cost > burst)
      throw badRequest(`cost must be a positive integer no larger than the burst capacity (${burst})`)
    const now = this.ctx.now()
    const d = this.limiter.check(key.keyId, now, cost)
    this.stats.recordDecision(key.keyId, now, d.allowed)
    return {
      status: d.allowed ? 200 : 429,
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
  metrics(accountId: number | null, keyId: number, fromText: string, toText: string): Metrics {
    this.owned(accountId, keyId)
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
    for (const m of metricsBetween(this.ctx.db, keyId, fromMinute, toMinute)) add(m)
    for (const m of this.stats.pendingMinutes(keyId, fromMinute, toMinute)) add(m)
    const series = [...buckets].map(([t, b]) => ({ timestamp: formatTimestamp(t), ...b }))
    return {
      allowed_count: series.reduce((n, b) => n + b.allowed, 0),
      throttled_count: series.reduce((n, b) => n + b.throttled, 0),
      time_series: series,
    }
  }

  /** Seed 001's dashboard figures for an account's keys. */
  dashboard(accountId: number): DashboardStats {
    const { rows } = listApiKeys(this.ctx.db, { accountId }, 10_000, 0)
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

  /** The principal of a live key, or null: malformed keys are refused before any lookup. */
  authenticate(key: string): KeyPrincipal | null {
    const parsed = parseApiKey(key)
    if (!parsed) return null
    const hash = hashApiKey(key)
    const cached = this.live.get(hash)
    if (cached) return cached
    const row: ApiKeyAuthRow | undefined = findApiKeyByHash(this.ctx.db, hash)
    if (!row || row.revoked_at !== null || row.is_active === 0 || row.project_id !== parsed.projectId)
      return null
    const principal: KeyPrincipal = {
      keyId: row.id,
      projectId: row.project_id,
      accountId: row.account_id,
      scopes: row.scopes.split(',') as Scope[],
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
  standing(keyId: number, scope: Scope): TailEnd | null {
    const row = findApiKeyById(this.ctx.db, keyId)
    if (!row || row.revoked_at !== null) return { reason: 'key_revoked', detail: `API key ${keyId} was revoked` }
    if (row.is_active === 0) return { reason: 'key_disabled', detail: `API key ${keyId} was disabled` }
    if (row.expires_at !== null && row.expires_at <= this.ctx.now()) {
      return { reason: 'key_expired', detail: `API key ${keyId} has expired` }
    }
    if (!row.scopes.split(',').includes(scope)) {
      return { reason: 'key_scope_removed', detail: `API key ${keyId} no longer has the '${scope}' scope` }
    }
    return null
  }

  /** Whether a key's expiry has passed (it is then refused with 401). */
  isExpired(key: KeyPrincipal): boolean {
    return key.expiresAt !== null && key.expiresAt <= this.ctx.now()
  }

  /** A key of this account (403 for another's, 404 for none); `null` account: the admin. */
  private owned(accountId: number | null, keyId: number): ApiKeyAuthRow {
    const row = findApiKeyById(this.ctx.db, keyId)
    if (!row) throw notFound('API key not found')
    if (accountId !== null && row.account_id !== accountId) throw forbidden('You do not own this API key')
    return row
  }

  private toApiKey(row: ApiKeyAuthRow): ApiKey {
    const p = this.stats.pendingCounters(row.id)
    const lastUsed = Math.max(row.last_used ?? 0, p?.lastUsed ?? 0)
    return {
      id: row.id,
      project_id: row.project_id,
      name: row.name,
      description: row.description,
      key_prefix: row.key_prefix,
      scopes: row.scopes.split(',') as Scope[],
      is_active: row.is_active === 1 && row.revoked_at === null,
      revoked: row.revoked_at !== null,
      created_at: formatTimestamp(row.created_at),
      expires_at: row.expires_at === null ? null : formatTimestamp(row.expires_at),
      last_used: lastUsed > 0 ? formatTimestamp(lastUsed) : null,
      usage_count: row.usage_count + (p?.calls ?? 0),
    }
  }

  /** Drops a key from the auth cache (and, when revoked, its limiter state). */
  private forgetKey(keyId: number, revoked = true): void {
    for (const [hash, p] of this.live) if (p.keyId === keyId) this.live.delete(hash)
    if (revoked) this.limiter.forget(keyId)
  }
}
