import type { Redis } from 'ioredis'
import {
  type LimitSpec,
  MemoryRateLimiter,
  type RateDecision,
  type RateLimiter,
  type RateLimiterHealth,
  RateLimiterUnavailableError,
} from '../services/rate-limiter.js'
import {
  type SlidingWindows,
  type Slot,
  ThrottleUnavailableError,
  WindowThrottle,
  type WindowLimit,
  type WindowsFactory,
} from '../services/window-throttle.js'
import { describeRedisError, redactRedisUrl } from './connection.js'
import type { RedisRateLimiter } from './rate-limiter.js'
import { RedisWindowThrottle } from './window-throttle.js'

/** While Redis is down, it is pinged this often; the first answer ends the fallback. */
const PROBE_MS = 1000

export interface LinkLog {
  warn: (obj: unknown, msg: string) => void
  info?: (obj: unknown, msg: string) => void
}

/** What `GET /health/deep` shows of Redis (`redis`). */
export interface RedisHealth {
  status: 'healthy' | 'degraded'
  url: string
  /** The connection's state (ioredis: `ready`, `connecting`, `reconnecting`…). */
  connection: string
  /** While Redis is down: since when (ISO 8601); else null. */
  down_since: string | null
  last_error: string | null
  latency_ms?: number
  detail?: string
}

/** What the shared limiters throw when Redis does not answer. */
function isUnavailable(err: unknown): boolean {
  return err instanceof RateLimiterUnavailableError || err instanceof ThrottleUnavailableError
}

/**
 * Whether the daemon may count on Redis, for every shared limit at once: the first failure of
 * any of them (a command refused, timed out) switches them all to their per-instance twins and
 * logs ONE warning; a background probe every second (a small write; never a request) then finds Redis back,
 * switches them back and logs it once. While it is down, no request waits on Redis.
 */
export class RedisLink {
  private down: { since: number; reason: string } | null = null
  private lastError: string | null = null
  private probe: NodeJS.Timeout | null = null
  private probing = false
  private closed = false

  constructor(
    readonly redis: Redis,
    private readonly url: string,
    private readonly log: LinkLog,
    private readonly probeMs = PROBE_MS,
  ) {}

  /** Connects; Redis unreachable: the daemon starts on per-instance limits (warned once) and switches when it is back. */
  async connect(): Promise<void> {
    try {
      await this.redis.connect()
    } catch (err) {
      this.failed(err)
    }
  }

  /** Whether shared limits are in use (Redis answered last). */
  get available(): boolean {
    return this.down === null
  }

  /** Why Redis is not in use (while it is down). */
  get reason(): string {
    return this.down?.reason ?? 'Redis is unavailable'
  }

  /**
   * `shared()` while Redis is in use; `local()` while it is not, and when `shared()` finds it
   * unavailable (which switches every shared limit to its per-instance twin, warned once).
   */
  async orLocal<T>(shared: () => Promise<T>, local: () => T | Promise<T>): Promise<T> {
    if (!this.available) return local()
    try {
      return await shared()
    } catch (err) {
      if (!isUnavailable(err)) throw err
      this.failed(err)
      return local()
    }
  }

  /**
   * `shared()` whatever the link's state, for what is only worth doing in Redis (a refund, a
   * settlement); Redis unavailable: dropped, and noted as a failure.
   */
  async orDrop(shared: () => Promise<void>): Promise<void> {
    try {
      await shared()
    } catch (err) {
      if (!isUnavailable(err)) throw err
      this.failed(err)
    }
  }

  /** A command failed: from now on, per-instance limits (warned once) until a ping answers. */
  failed(err: unknown): void {
    const reason = describeRedisError(isUnavailable(err) ? (err as Error).cause ?? err : err)
    this.lastError = reason
    if (this.down || this.closed) return
    this.down = { since: Date.now(), reason }
    this.log.warn(
      { redis: redactRedisUrl(this.url), err: reason },
      `Redis is unavailable (${reason}): rate limits and throttles are per instance until it is back; /check answers 503`,
    )
    this.probe = setInterval(() => void this.tryProbe(), this.probeMs)
    this.probe.unref()
  }

  async health(): Promise<RedisHealth> {
    const base = {
      url: redactRedisUrl(this.url),
      connection: this.redis.status,
      down_since: this.down ? new Date(this.down.since).toISOString() : null,
      last_error: this.lastError,
    }
    if (this.down) {
      return {
        status: 'degraded',
        ...base,
        detail: 'Redis does not answer: rate limits and throttles are per instance (not shared with the other daemons)',
      }
    }
    const started = performance.now()
    try {
      await this.redis.ping()
      return { status: 'healthy', ...base, latency_ms: Math.round((performance.now() - started) * 100) / 100 }
    } catch (err) {
      this.failed(err)
      return this.health()
    }
  }

  close(): void {
    this.closed = true
    if (this.probe) clearInterval(this.probe)
    this.probe = null
  }

  private async tryProbe(): Promise<void> {
    if (this.probing || !this.down) return
    this.probing = true
    try {
      // A write, not a PING: a Redis out of memory answers PING but refuses the limiters'
      // scripts, and must not be taken back (and warned about again) every second.
      await this.redis.set('ledger:probe', '1', 'PX', 10_000)
      const downMs = Date.now() - (this.down?.since ?? Date.now())
      this.down = null
      if (this.probe) clearInterval(this.probe)
      this.probe = null
      const fields = { redis: redactRedisUrl(this.url), down_ms: downMs }
      const msg = 'Redis is back: rate limits and throttles are shared with the other daemons again'
      if (this.log.info) this.log.info(fields, msg)
      else this.log.warn(fields, msg)
    } catch (err) {
      this.lastError = describeRedisError(err)
    } finally {
      this.probing = false
    }
  }
}

/**
 * The daemon's rate limiter with Redis: `RedisRateLimiter` (exact across daemons) while Redis
 * answers; while it does not, every key is limited by this daemon alone (`MemoryRateLimiter`,
 * with the same limits), so that ingestion goes on. `checkShared` (the `/check` endpoint, whose
 * answer is the limit itself) never falls back: it throws `RateLimiterUnavailableError` (503).
 * Limits are held by both: `setLimits` and `loadLimits` install them in each.
 */
export class FallbackRateLimiter implements RateLimiter {
  readonly backend = 'redis'
  private readonly local = new MemoryRateLimiter()

  constructor(
    private readonly shared: RedisRateLimiter,
    private readonly link: RedisLink,
  ) {}

  limitsOf(keyId: number): readonly LimitSpec[] {
    return this.shared.limitsOf(keyId)
  }

  loadLimits(keyId: number, limits: readonly LimitSpec[]): void {
    this.shared.loadLimits(keyId, limits)
    this.local.loadLimits(keyId, limits)
  }

  async setLimits(keyId: number, limits: readonly LimitSpec[] | null): Promise<void> {
    this.local.setLimits(keyId, limits)
    await this.shared.setLimits(keyId, limits)
  }

  forget(keyId: number): void {
    this.shared.forget(keyId)
    this.local.forget(keyId)
  }

  check(keyId: number, nowMs: number, cost = 1): Promise<RateDecision> {
    return this.link.orLocal(
      () => this.shared.check(keyId, nowMs, cost),
      () => this.local.check(keyId, nowMs, cost),
    )
  }

  async checkShared(keyId: number, nowMs: number, cost = 1): Promise<RateDecision> {
    if (!this.link.available) throw new RateLimiterUnavailableError(this.link.reason)
    try {
      return await this.shared.check(keyId, nowMs, cost)
    } catch (err) {
      if (err instanceof RateLimiterUnavailableError) this.link.failed(err)
      throw err
    }
  }

  async health(): Promise<RateLimiterHealth> {
    if (!this.link.available) {
      return {
        status: 'degraded',
        backend: 'redis',
        mode: 'memory (per instance)',
        tracked_keys: this.local.trackedKeys(),
        detail: `Redis is down (${this.link.reason}): each daemon limits alone; /check answers 503`,
      }
    }
    const h = await this.shared.health()
    return { ...h, mode: h.status === 'healthy' ? 'redis (shared)' : 'memory (per instance)' }
  }

  close(): void {}
}

/**
 * A throttle (`SlidingWindows`) with its events in Redis while Redis answers, and in this
 * process while it does not (the login and registration limits then hold per daemon: a
 * brute force is slowed down, never let through unlimited, and logins keep working). A slot
 * is given back to the store it was taken from.
 */
export class FallbackWindows implements SlidingWindows {
  private readonly local: WindowThrottle

  constructor(
    private readonly shared: RedisWindowThrottle,
    limits: readonly WindowLimit[],
    private readonly link: RedisLink,
  ) {
    this.local = new WindowThrottle(limits)
  }

  waitMs(key: string, now: number): Promise<number> {
    return this.link.orLocal(
      () => this.shared.waitMs(key, now),
      () => this.local.waitMs(key, now),
    )
  }

  take(key: string, now: number): Promise<Slot | null> {
    return this.link.orLocal(
      () => this.shared.take(key, now),
      () => this.local.take(key, now),
    )
  }

  async refund(slot: Slot): Promise<void> {
    if (!('member' in slot)) return this.local.refund(slot)
    // The event expires with its window: a refund lost to an outage counts it a little longer.
    await this.link.orDrop(() => this.shared.refund(slot))
  }
}

/** Throttles in Redis (falling back to memory while it is down), each named in its Redis keys. */
export function redisWindowsFactory(link: RedisLink, options: { prefix?: string } = {}): WindowsFactory {
  return (name, limits) => new FallbackWindows(new RedisWindowThrottle(link.redis, limits, { name, ...options }), limits, link)
}
