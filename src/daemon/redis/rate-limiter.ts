import type { Redis } from 'ioredis'
import {
  DEFAULT_LIMITS,
  decision,
  type LimitSpec,
  type RateDecision,
  type RateLimiter,
  type RateLimiterHealth,
  RateLimiterUnavailableError,
} from '../services/rate-limiter.js'
import { describeRedisError } from './connection.js'
import { RATE_LIMIT_LUA } from './rate-limit-script.js'
import { runScript } from './scripts.js'

export interface RedisRateLimiterOptions {
  /** Prefix of every Redis key the limiter writes (`<prefix>rl:{<key id>}`). Default `ledger:`. */
  prefix?: string
  /**
   * Whose clock the buckets run on. `server` (the default): Redis's TIME, read inside the
   * script, so every daemon refills and resets by one clock however theirs drift; the `now`
   * callers pass is ignored. `caller`: the `now` passed to `check`, for tests that drive time.
   */
  clock?: 'server' | 'caller'
}

/**
 * Rate limits exact across daemons: each key's buckets live in Redis, and one Lua script per
 * check refills, checks and draws from all of them atomically (one round trip, EVALSHA).
 * Limits are held by each daemon, as with the memory limiter (loaded from storage; changes are
 * told to every daemon); a state built for other limits starts full.
 *
 * Redis unreachable, too slow (the connection's command timeout) or refusing (out of memory):
 * `check` throws `RateLimiterUnavailableError`, at once (the connection queues nothing while
 * it is down, see connection.ts), and the next check after Redis is back works again.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly backend = 'redis'
  private readonly custom = new Map<number, readonly LimitSpec[]>()
  /** Keys this daemon has checked (for health): bounded by the keys that exist. */
  private readonly seen = new Set<number>()
  private readonly prefix: string
  private readonly serverClock: boolean
  private lastError: { at: number; message: string } | null = null

  constructor(
    private readonly redis: Redis,
    options: RedisRateLimiterOptions = {},
  ) {
    this.prefix = options.prefix ?? 'ledger:'
    this.serverClock = (options.clock ?? 'server') === 'server'
  }

  limitsOf(keyId: number): readonly LimitSpec[] {
    return this.custom.get(keyId) ?? DEFAULT_LIMITS
  }

  loadLimits(keyId: number, limits: readonly LimitSpec[]): void {
    this.custom.set(keyId, limits)
  }

  /**
   * New limits start full: the state in Redis is dropped. Where Redis cannot be reached, the
   * state is rebuilt anyway at the first check under the new limits (it records the limits it
   * was built for), so this never fails the change.
   */
  async setLimits(keyId: number, limits: readonly LimitSpec[] | null): Promise<void> {
    if (limits) this.custom.set(keyId, limits)
    else this.custom.delete(keyId)
    try {
      await this.redis.del(this.stateKey(keyId))
    } catch (err) {
      this.noteError(err)
    }
  }

  /** The key's state in Redis expires by itself (a revoked key is never checked again). */
  forget(keyId: number): void {
    this.custom.delete(keyId)
    this.seen.delete(keyId)
  }

  async check(keyId: number, nowMs: number, cost = 1): Promise<RateDecision> {
    const limits = this.limitsOf(keyId)
    const args: (string | number)[] = [this.serverClock ? 'server' : 'caller', nowMs, cost, limits.length]
    for (const l of limits) args.push(l.algorithm === 'token_bucket' ? 't' : 'w', String(l.tokensPerSecond), String(l.capacity))
    let reply: unknown
    try {
      reply = await runScript(this.redis, RATE_LIMIT_LUA, this.stateKey(keyId), args)
    } catch (err) {
      this.noteError(err)
      throw new RateLimiterUnavailableError(describeRedisError(err), { cause: err })
    }
    this.seen.add(keyId)
    const [allowed, pick, remaining, fullAt, now, retryMs] = reply as [number, number, string, string, string, string]
    return decision(limits[pick - 1]!, allowed === 1, Number(remaining), Number(fullAt), Number(now), Number(retryMs))
  }

  /** The only store here: as `check` (which never falls back). */
  checkShared(keyId: number, nowMs: number, cost = 1): Promise<RateDecision> {
    return this.check(keyId, nowMs, cost)
  }

  async health(): Promise<RateLimiterHealth> {
    const started = performance.now()
    try {
      await this.redis.ping()
      return {
        status: 'healthy',
        backend: 'redis',
        tracked_keys: this.trackedKeys(),
        latency_ms: Math.round((performance.now() - started) * 100) / 100,
        connection: this.redis.status,
        last_error: this.lastError?.message ?? null,
      }
    } catch (err) {
      this.noteError(err)
      return {
        status: 'degraded',
        backend: 'redis',
        tracked_keys: this.trackedKeys(),
        connection: this.redis.status,
        last_error: this.lastError?.message ?? null,
        detail: 'Redis does not answer: rate limits cannot be shared across daemons',
      }
    }
  }

  /** The connection is the caller's (it is shared): nothing to release here. */
  close(): void {}

  private trackedKeys(): number {
    return new Set([...this.seen, ...this.custom.keys()]).size
  }

  private stateKey(keyId: number): string {
    // The braces make the key id a hash tag: a Redis Cluster keeps each key's state on one node.
    return `${this.prefix}rl:{${keyId}}`
  }

  private noteError(err: unknown): void {
    this.lastError = { at: Date.now(), message: describeRedisError(err) }
  }
}
