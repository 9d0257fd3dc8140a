import { DomainError } from './errors.js'

/** One limit on a key: a token bucket, or a fixed window of `capacity` requests. */
export interface LimitSpec {
  readonly algorithm: 'token_bucket' | 'fixed_window'
  /** Refill rate (token bucket) or capacity / window length (fixed window). */
  readonly tokensPerSecond: number
  readonly capacity: number
  /** How the limit reads in a 429's detail, e.g. `1000 requests per minute`. */
  readonly label: string
}

/** Seed 000's defaults: 1000 requests a minute and 50000 an hour, as two token buckets. */
export const DEFAULT_LIMITS: readonly LimitSpec[] = [
  {
    algorithm: 'token_bucket',
    capacity: 1000,
    tokensPerSecond: 1000 / 60,
    label: '1000 requests per minute',
  },
  {
    algorithm: 'token_bucket',
    capacity: 50000,
    tokensPerSecond: 50000 / 3600,
    label: '50000 requests per hour',
  },
]

/** A decision, answered at once (in memory) or after a round trip (a shared store). */
export type Awaitable<T> = T | Promise<T>

export interface RateDecision {
  allowed: boolean
  /** Capacity of the most restrictive limit (`X-RateLimit-Limit`). */
  limit: number
  /** Tokens left in it, floored (`X-RateLimit-Remaining`). */
  remaining: number
  /** Unix second, rounded up, when it is full again (`X-RateLimit-Reset`). */
  reset: number
  /** Milliseconds until it is full again. */
  fullInMs: number
  /** Whole seconds until the request would pass (`Retry-After`); 0 when allowed. */
  retryAfter: number
  /** The limit that decided, for the 429 detail. */
  label: string
}

/** What `GET /health/deep` shows of the rate limiter (`rate_limiter`). */
export interface RateLimiterHealth {
  status: 'healthy' | 'degraded'
  /** Where the buckets live: this process (`memory`) or a Redis every daemon shares (`redis`). */
  backend: 'memory' | 'redis'
  /**
   * Whose limits apply right now: this daemon's alone (`memory (per instance)`: the default, or
   * Redis is down) or every daemon's together (`redis (shared)`).
   */
  mode?: 'memory (per instance)' | 'redis (shared)'
  /** Keys with limits or buckets this daemon has seen. */
  tracked_keys: number
  [figure: string]: unknown
}

/**
 * What the daemon asks of a rate limiter, wherever the buckets live: in this process
 * (`MemoryRateLimiter`, the default) or in a Redis shared by every daemon of a team
 * (`redis/rate-limiter.ts`). Limits themselves come from storage and are held by each daemon;
 * only the buckets are shared. Callers `await` `check`: in memory it answers at once.
 */
export interface RateLimiter {
  readonly backend: RateLimiterHealth['backend']
  /** The key's limits (custom, else the defaults). */
  limitsOf(keyId: number): readonly LimitSpec[]
  /**
   * Installs a key's stored limits: at start, and when another daemon changed them (the change
   * event calls this, not `setLimits`, which would start the shared buckets afresh once more).
   * Buckets already running in a shared store under these limits keep their tokens.
   */
  loadLimits(keyId: number, limits: readonly LimitSpec[]): void
  /** Replaces a key's limits (null → the defaults); they apply from the next check, starting full. */
  setLimits(keyId: number, limits: readonly LimitSpec[] | null): Awaitable<void>
  /** Forgets a key (revoked): its limits and, where it can, its buckets. */
  forget(keyId: number): void
  /**
   * Draws `cost` tokens from every limit of the key, or none if any limit lacks them.
   * @throws RateLimiterUnavailableError when the shared store cannot answer (never in memory).
   */
  check(keyId: number, nowMs: number, cost?: number): Awaitable<RateDecision>
  /**
   * As `check`, but never answered by a per-instance fallback while a shared store is down:
   * for answers that are the limit itself (`POST /check`).
   * @throws RateLimiterUnavailableError when the shared store cannot answer (never in memory).
   */
  checkShared(keyId: number, nowMs: number, cost?: number): Awaitable<RateDecision>
  health(): Awaitable<RateLimiterHealth>
  /** Releases what the limiter holds (not a connection it was given). */
  close(): Awaitable<void>
}

/**
 * The shared store of a rate limiter could not decide (Redis down, unreachable, too slow, out
 * of memory). A `DomainError` of kind `unavailable`, so that where nothing catches it the
 * answer is a 503 with `Retry-After`; a caller that can go on without it (ingestion, on
 * per-instance limits) catches it by this class.
 */
export class RateLimiterUnavailableError extends DomainError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('unavailable', `The shared rate limiter is unavailable: ${reason}`, RETRY_WHEN_UNAVAILABLE_S)
    this.name = 'RateLimiterUnavailableError'
    if (options?.cause !== undefined) this.cause = options.cause
  }
}

/** Seconds a caller is told to wait when the shared store is down (it reconnects by itself). */
const RETRY_WHEN_UNAVAILABLE_S = 5

/** Per-limit state: tokens and last refill (bucket) or count and window start (window). */
interface Slot {
  a: number
  b: number
}

interface KeyState {
  limits: readonly LimitSpec[]
  slots: Slot[]
}

/**
 * In-memory rate limiter keyed by API key id: O(1) per check, no timers; state is created on
 * first use. A denied request consumes nothing. The clock is passed in, so tests control it.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly backend = 'memory'
  private readonly keys = new Map<number, KeyState>()
  private readonly custom = new Map<number, readonly LimitSpec[]>()

  /** Replaces a key's limits (null → the defaults); the new limits start full. */
  setLimits(keyId: number, limits: readonly LimitSpec[] | null): void {
    if (limits) this.custom.set(keyId, limits)
    else this.custom.delete(keyId)
    this.keys.delete(keyId)
  }

  loadLimits(keyId: number, limits: readonly LimitSpec[]): void {
    this.setLimits(keyId, limits)
  }

  limitsOf(keyId: number): readonly LimitSpec[] {
    return this.custom.get(keyId) ?? DEFAULT_LIMITS
  }

  /** Keys with live state in memory. */
  trackedKeys(): number {
    return this.keys.size
  }

  health(): RateLimiterHealth {
    return { status: 'healthy', backend: 'memory', mode: 'memory (per instance)', tracked_keys: this.trackedKeys() }
  }

  close(): void {}

  /** Forgets a key (revoked): its memory is released. */
  forget(keyId: number): void {
    this.keys.delete(keyId)
    this.custom.delete(keyId)
  }

  /** Memory is the only store: as `check`. */
  checkShared(keyId: number, nowMs: number, cost = 1): RateDecision {
    return this.check(keyId, nowMs, cost)
  }

  /** Draws `cost` tokens from every limit of the key, or none if any limit lacks them. */
  check(keyId: number, nowMs: number, cost = 1): RateDecision {
    let st = this.keys.get(keyId)
    if (!st) {
      const limits = this.limitsOf(keyId)
      st = {
        limits,
        slots: limits.map((l) =>
          l.algorithm === 'token_bucket' ? { a: l.capacity, b: nowMs } : { a: 0, b: nowMs },
        ),
      }
      this.keys.set(keyId, st)
    }
    const { limits, slots } = st
    let deny = -1
    let retryMs = 0
    for (let i = 0; i < limits.length; i++) {
      const l = limits[i]!
      const s = slots[i]!
      refresh(l, s, nowMs)
      const available = l.algorithm === 'token_bucket' ? s.a : l.capacity - s.a
      if (available < cost) {
        const wait =
          l.algorithm === 'token_bucket'
            ? ((cost - s.a) / l.tokensPerSecond) * 1000
            : s.b + windowMs(l) - nowMs
        if (deny < 0 || wait > retryMs) {
          deny = i
          retryMs = wait
        }
      }
    }
    retryMs = Math.min(retryMs, MAX_WAIT_MS)
    if (deny < 0) {
      for (let i = 0; i < limits.length; i++) {
        if (limits[i]!.algorithm === 'token_bucket') slots[i]!.a -= cost
        else slots[i]!.a += cost
      }
    }
    // The limit shown in headers: the one that denied, else the one with the fewest tokens left.
    let pick = deny
    if (pick < 0) {
      let least = Number.POSITIVE_INFINITY
      for (let i = 0; i < limits.length; i++) {
        const left = remainingOf(limits[i]!, slots[i]!)
        if (left < least) {
          least = left
          pick = i
        }
      }
    }
    const l = limits[pick]!
    const s = slots[pick]!
    return decision(l, deny < 0, remainingOf(l, s), fullAtMs(l, s, nowMs), nowMs, retryMs)
  }
}

/**
 * A decision's figures from the limit shown (`l`), the tokens left in it, when it is full again
 * and how long the refused request must wait: one computation of the headers for every limiter.
 */
export function decision(
  l: LimitSpec,
  allowed: boolean,
  remaining: number,
  fullAt: number,
  nowMs: number,
  retryMs: number,
): RateDecision {
  return {
    allowed,
    limit: l.capacity,
    remaining: Math.max(0, Math.floor(remaining)),
    reset: Math.ceil(fullAt / 1000),
    fullInMs: Math.max(0, fullAt - nowMs),
    retryAfter: allowed ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
    label: l.label,
  }
}

/**
 * The longest wait the limiter reports (a year, as LIMIT_MAX_WINDOW_SECONDS): limits stored by
 * an older Ledger may be slower than the API now allows, and every header must stay an integer.
 */
export const MAX_WAIT_MS = 365 * 86_400_000

function windowMs(l: LimitSpec): number {
  return Math.min(MAX_WAIT_MS, (l.capacity / l.tokensPerSecond) * 1000)
}

function refresh(l: LimitSpec, s: Slot, nowMs: number): void {
  if (l.algorithm === 'token_bucket') {
    if (nowMs > s.b) {
      s.a = Math.min(l.capacity, s.a + ((nowMs - s.b) / 1000) * l.tokensPerSecond)
      s.b = nowMs
    }
  } else {
    const w = windowMs(l)
    if (nowMs >= s.b + w) {
      s.b += Math.floor((nowMs - s.b) / w) * w
      s.a = 0
    }
  }
}

function remainingOf(l: LimitSpec, s: Slot): number {
  return l.algorithm === 'token_bucket' ? s.a : l.capacity - s.a
}

function fullAtMs(l: LimitSpec, s: Slot, nowMs: number): number {
  if (l.algorithm === 'token_bucket') return nowMs + Math.min(MAX_WAIT_MS, ((l.capacity - s.a) / l.tokensPerSecond) * 1000)
  return s.a === 0 ? nowMs : s.b + windowMs(l)
}
