import { memoryWindows, type SlidingWindows, type Slot, type WindowsFactory } from './window-throttle.js'

const WINDOW_MS = 5 * 60_000
const MAX_FAILURES = 5
const FIRST_LOCK_MS = 30_000
const MAX_LOCK_MS = 15 * 60_000

interface Entry {
  /** When each failure in the window happened, oldest first. */
  times: number[]
  /** Attempts still being checked: each may become a failure, so each holds a slot. */
  pending: number
  lockedUntil: number
  lockMs: number
}

/** Why an attempt may not be checked now, and for how long (whole seconds). */
export interface Refusal {
  reason: 'email' | 'address'
  retryAfter: number
}

/** A login attempt that holds its slots while its password is checked. */
export interface LoginAttempt {
  /** The password was wrong: the slots stay taken (and may lock the email). */
  failed(now: number): void
  /** The password was right: this attempt's slots are given back (others' stay). */
  succeeded(): void
  /** The attempt was not checked after all (the hasher was busy): its slots are given back. */
  cancel(): void
}

/**
 * Brute-force protection for logins, per account email and per client address. Every attempt
 * takes its slot *before* its password is hashed (~0.7 s), so however many are sent at once,
 * at most 5 per email are checked before the lock: the 6th concurrent one is refused at once.
 * After 5 failures within 5 minutes an email is locked (429) for 30 s, doubling at each new
 * lockout up to 15 minutes; a success gives back its own slot and resets the doubling, but
 * never the failures of other attempts. Unknown emails are counted the same way, so the lock
 * says nothing about whether an account exists. Per address, `failuresPerAddress` failed logins
 * in 5 minutes (whatever the emails) refuse further attempts until the oldest leaves the
 * window; successful logins give their slot back. The per-email state is kept in memory (a
 * restart forgets it); the per-address window is the `windows` factory's (memory, or a Redis
 * shared by the daemons of a team).
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>()
  private readonly perAddress: SlidingWindows
  /** Entries in memory past which stale ones are dropped (doubled when few were stale). */
  private pruneAt = 100_000

  constructor(failuresPerAddress: number, windows: WindowsFactory = memoryWindows) {
    this.perAddress = windows('login-failures-per-address', [{ max: failuresPerAddress, windowMs: WINDOW_MS }])
  }

  /** Takes the attempt's slots, or says why it must wait (nothing is taken then). */
  async begin(email: string, address: string, now: number): Promise<LoginAttempt | Refusal> {
    const e = this.entry(email, now)
    if (e.lockedUntil > now) return { reason: 'email', retryAfter: Math.ceil((e.lockedUntil - now) / 1000) }
    // Attempts still being checked may each become the failure that locks: wait for them.
    if (e.times.length + e.pending >= MAX_FAILURES) return { reason: 'email', retryAfter: 1 }
    // The email's slot is held (pending) while the address's is taken: a concurrent attempt
    // on the same email counts it already.
    e.pending++
    let slot: Slot | null
    try {
      slot = await this.perAddress.take(address, now)
    } catch (err) {
      e.pending--
      throw err
    }
    if (!slot) {
      e.pending--
      const wait = await this.perAddress.waitMs(address, now)
      return { reason: 'address', retryAfter: Math.max(1, Math.ceil(wait / 1000)) }
    }
    const taken = slot
    let done = false
    const settle = () => {
      if (done) return false
      done = true
      e.pending--
      return true
    }
    return {
      failed: (at) => {
        if (!settle()) return
        e.times.push(at)
        if (e.times.length >= MAX_FAILURES) {
          e.lockMs = e.lockMs === 0 ? FIRST_LOCK_MS : Math.min(MAX_LOCK_MS, e.lockMs * 2)
          e.lockedUntil = at + e.lockMs
          e.times = []
        }
      },
      succeeded: () => {
        if (!settle()) return
        e.lockMs = 0
        this.refund(taken)
      },
      cancel: () => {
        if (!settle()) return
        this.refund(taken)
      },
    }
  }

  /** A refund never fails the login it ends (a shared store swallows its own outages). */
  private refund(slot: Slot): void {
    void Promise.resolve(this.perAddress.refund(slot)).catch(() => undefined)
  }

  private entry(email: string, now: number): Entry {
    let e = this.entries.get(email)
    if (!e) {
      if (this.entries.size >= this.pruneAt) this.prune(now)
      e = { times: [], pending: 0, lockedUntil: 0, lockMs: 0 }
      this.entries.set(email, e)
    }
    let expired = 0
    while (expired < e.times.length && e.times[expired]! <= now - WINDOW_MS) expired++
    if (expired > 0) e.times.splice(0, expired)
    return e
  }

  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.pending === 0 && e.lockedUntil < now && e.times.every((t) => t <= now - WINDOW_MS)) this.entries.delete(k)
    }
    this.pruneAt = Math.max(100_000, this.entries.size * 2)
  }
}

export function isRefusal(x: LoginAttempt | Refusal): x is Refusal {
  return 'reason' in x
}
