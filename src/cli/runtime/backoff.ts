/** How retries wait: exponential backoff with full jitter, and the server's Retry-After. */
export interface BackoffOptions {
  /** The first retry waits up to this long (default 100 ms); each next one up to twice as long. */
  baseMs?: number
  /** The longest backoff without a Retry-After (default 5 s). */
  capMs?: number
  /** The longest Retry-After honoured (default 60 s): a longer one is waited in steps of this. */
  maxRetryAfterMs?: number
}

/**
 * The wait before retry number `attempt` (0 for the first retry). Without a Retry-After it is
 * "full jitter" (a uniform draw between 0 and min(cap, base·2^attempt)), so clients that failed
 * together do not retry together. With one, it is at least Retry-After, plus up to a quarter
 * of it (at most 1 s) of jitter.
 */
export function backoffDelay(
  attempt: number,
  retryAfterMs: number | null,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseMs ?? 100
  const cap = options.capMs ?? 5_000
  if (retryAfterMs !== null) return withJitter(Math.min(retryAfterMs, options.maxRetryAfterMs ?? 60_000), random)
  return random() * Math.min(cap, base * 2 ** Math.min(attempt, 30))
}

/**
 * A wait the server asked for, plus up to a quarter of it (at most 1 s) of jitter: clients told
 * the same moment do not all come back at once.
 */
export function withJitter(waitMs: number, random: () => number = Math.random): number {
  return waitMs + random() * Math.min(1_000, waitMs / 4)
}

/** A `Retry-After` header (delay in seconds, or an HTTP date) in ms; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | null {
  if (value === undefined) return null
  const v = value.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}
