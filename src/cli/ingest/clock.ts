import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Time as the ingest pipeline sees it: what it reads, waits for and schedules. Injected, so the
 * waiting logic (Retry-After, backoff, give-up windows, idle flushes) is tested without sleeping.
 */
export interface Clock {
  now(): number
  /** Resolves true after `ms`, or false as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<boolean>
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** The real clock: `Date.now` and Node's timers. */
export const realClock: Clock = {
  now: Date.now,
  async sleep(ms, signal) {
    try {
      await sleep(ms, undefined, { signal })
      return true
    } catch {
      return false
    }
  },
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}
