const WINDOW_MS = 5 * 60_000
const MAX_FAILURES = 5
const FIRST_LOCK_MS = 30_000
const MAX_LOCK_MS = 15 * 60_000

interface Entry {
  failures: number[]
  lockedUntil: number
  lockMs: number
}

/**
 * Brute-force protection per account email: after 5 failed logins within 5 minutes, further
 * attempts are refused (429) for 30 s, doubling at each new lockout up to 15 minutes. A
 * success resets it. Unknown emails are counted the same way, so the lock says nothing about
 * whether an account exists. Kept in memory: a restart forgets it.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>()

  /** Seconds until another attempt is allowed, or 0. */
  retryAfter(email: string, now: number): number {
    const e = this.entries.get(email)
    return e && e.lockedUntil > now ? Math.ceil((e.lockedUntil - now) / 1000) : 0
  }

  failed(email: string, now: number): void {
    let e = this.entries.get(email)
    if (!e) {
      e = { failures: [], lockedUntil: 0, lockMs: 0 }
      this.entries.set(email, e)
    }
    e.failures = e.failures.filter((t) => t > now - WINDOW_MS)
    e.failures.push(now)
    if (e.failures.length >= MAX_FAILURES) {
      e.lockMs = e.lockMs === 0 ? FIRST_LOCK_MS : Math.min(MAX_LOCK_MS, e.lockMs * 2)
      e.lockedUntil = now + e.lockMs
      e.failures = []
    }
    if (this.entries.size > 100_000) this.prune(now)
  }

  succeeded(email: string): void {
    this.entries.delete(email)
  }

  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.lockedUntil < now && e.failures.every((t) => t <= now - WINDOW_MS)) this.entries.delete(k)
    }
  }
}
