import { DomainError } from './errors.js'
import type { Awaitable } from './rate-limiter.js'

/** At most `max` events per key within any `windowMs`. */
export interface WindowLimit {
  readonly max: number
  readonly windowMs: number
}

/** An event a caller took: hand it back with `refund` when the attempt did not count after all. */
export interface Slot {
  readonly key: string
  readonly at: number
}

const PRUNE_ABOVE = 100_000

/**
 * Sliding-window limits per key, wherever the events are kept: in this process
 * (`WindowThrottle`) or in a Redis shared by the daemons of a team (`redis/window-throttle.ts`,
 * whose operations are each one atomic round trip). Callers `await` each answer.
 */
export interface SlidingWindows {
  /** Milliseconds until `key` may take another slot (0: now). */
  waitMs(key: string, now: number): Awaitable<number>
  /** Takes a slot if every limit has room; else null (and nothing is taken). */
  take(key: string, now: number): Awaitable<Slot | null>
  /** Gives a slot back: the attempt it was taken for does not count. */
  refund(slot: Slot): Awaitable<void>
}

/**
 * Where a service's throttles keep their events: `name` says which throttle it is (it names
 * its keys in a shared store), `limits` what it allows. In memory by default
 * (`memoryWindows`); the daemons of a team share them in Redis (`redis/fallback.ts`).
 */
export type WindowsFactory = (name: string, limits: readonly WindowLimit[]) => SlidingWindows

/** Throttles in this process: a restart forgets them, and each daemon counts alone. */
export const memoryWindows: WindowsFactory = (_name, limits) => new WindowThrottle(limits)

/**
 * The shared store of a throttle could not answer (Redis down, unreachable, too slow). Like
 * `RateLimiterUnavailableError`: a 503 with `Retry-After` where nothing catches it; a caller
 * that may go on with per-instance throttles catches it by this class.
 */
export class ThrottleUnavailableError extends DomainError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('unavailable', `The shared throttle is unavailable: ${reason}`, 5)
    this.name = 'ThrottleUnavailableError'
    if (options?.cause !== undefined) this.cause = options.cause
  }
}

/**
 * Sliding-window limits per key (an email, a client address): each key keeps the times of its
 * recent events, so a refusal says exactly when the next event will pass. A slot is taken
 * *before* the work it guards (a password hash, a mail), so that concurrent attempts are
 * counted while they run, and may be refunded when the attempt ends up not counting (a
 * success, an overloaded answer). In memory: a restart forgets it.
 */
export class WindowThrottle implements SlidingWindows {
  private readonly events = new Map<string, number[]>()
  private readonly longest: number
  /** Keys in memory past which stale ones are dropped (doubled when few were stale). */
  private pruneAt = PRUNE_ABOVE

  constructor(private readonly limits: readonly WindowLimit[]) {
    this.longest = Math.max(...limits.map((l) => l.windowMs))
  }

  /** Milliseconds until `key` may take another slot (0: now). */
  waitMs(key: string, now: number): number {
    const times = this.live(key, now)
    return times ? windowWaitMs(times, this.limits, now) : 0
  }

  /** Takes a slot if every limit has room; else null (and nothing is taken). */
  take(key: string, now: number): Slot | null {
    if (this.waitMs(key, now) > 0) return null
    let times = this.events.get(key)
    if (!times) {
      if (this.events.size >= this.pruneAt) this.prune(now)
      times = []
      this.events.set(key, times)
    }
    times.push(now)
    return { key, at: now }
  }

  /** Gives a slot back: the attempt it was taken for does not count. */
  refund(slot: Slot): void {
    const times = this.events.get(slot.key)
    if (!times) return
    const i = times.lastIndexOf(slot.at)
    if (i >= 0) times.splice(i, 1)
    if (times.length === 0) this.events.delete(slot.key)
  }

  private live(key: string, now: number): number[] | undefined {
    const times = this.events.get(key)
    if (!times) return undefined
    let drop = 0
    while (drop < times.length && times[drop]! <= now - this.longest) drop++
    if (drop > 0) times.splice(0, drop)
    if (times.length === 0) {
      this.events.delete(key)
      return undefined
    }
    return times
  }

  private prune(now: number): void {
    for (const key of [...this.events.keys()]) this.live(key, now)
    // Not again at every new key while they are all live: only once the map has doubled.
    this.pruneAt = Math.max(PRUNE_ABOVE, this.events.size * 2)
  }
}

/**
 * Milliseconds until one more event fits every limit (0: now), given the times of the past
 * events, oldest first.
 */
export function windowWaitMs(times: readonly number[], limits: readonly WindowLimit[], now: number): number {
  let wait = 0
  for (const l of limits) {
    const inWindow = times.filter((t) => t > now - l.windowMs)
    // The event whose leaving makes room: the max-th newest in the window.
    if (inWindow.length >= l.max) wait = Math.max(wait, inWindow[inWindow.length - l.max]! + l.windowMs - now)
  }
  return wait
}

/** Whole seconds for a `Retry-After` header: at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}
