import type { Awaitable } from './rate-limiter.js'
import { memoryWindows, type SlidingWindows, type Slot, type WindowsFactory } from './window-throttle.js'

/** The per-email rule, wherever it is kept (memory here, Redis in redis/login-failures.ts). */
export const LOGIN_WINDOW_MS = 5 * 60_000
export const LOGIN_MAX_FAILURES = 5
export const LOGIN_FIRST_LOCK_MS = 30_000
export const LOGIN_MAX_LOCK_MS = 15 * 60_000

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
  failed(now: number): Promise<void>
  /** The password was right: this attempt's slots are given back (others' stay). */
  succeeded(): Promise<void>
  /** The attempt was not checked after all (the hasher was busy): its slots are given back. */
  cancel(): Promise<void>
}

/** An attempt's pending slot on its email, settled once. */
export interface EmailTicket {
  failed(at: number): Awaitable<void>
  succeeded(): Awaitable<void>
  cancel(): Awaitable<void>
}

/**
 * The per-email half of the login throttle: failures in the last 5 minutes, attempts being
 * checked, the lock and its doubling. In this process (`MemoryEmailFailures`) or in a Redis
 * shared by the daemons of a team (`redis/login-failures.ts`).
 */
export interface EmailFailures {
  /** Holds a pending slot for an attempt on `email`, or says how long it must wait (ms). */
  begin(email: string, now: number): Awaitable<EmailTicket | { waitMs: number }>
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
 * window; successful logins give their slot back. Both halves are kept where they are given:
 * memory by default (a restart forgets them), a Redis shared by the daemons of a team.
 */
export class LoginThrottle {
  private readonly perAddress: SlidingWindows

  constructor(
    failuresPerAddress: number,
    windows: WindowsFactory = memoryWindows,
    private readonly perEmail: EmailFailures = new MemoryEmailFailures(),
  ) {
    this.perAddress = windows('login-failures-per-address', [{ max: failuresPerAddress, windowMs: LOGIN_WINDOW_MS }])
  }

  /** Takes the attempt's slots, or says why it must wait (nothing is taken then). */
  async begin(email: string, address: string, now: number): Promise<LoginAttempt | Refusal> {
    // The email's slot first, held (pending) while the address's is taken: a concurrent attempt
    // on the same email counts it already.
    const ticket = await this.perEmail.begin(email, now)
    if ('waitMs' in ticket) return { reason: 'email', retryAfter: Math.max(1, Math.ceil(ticket.waitMs / 1000)) }
    let slot: Slot | null
    try {
      slot = await this.perAddress.take(address, now)
    } catch (err) {
      await quietly(() => ticket.cancel())
      throw err
    }
    if (!slot) {
      await quietly(() => ticket.cancel())
      const wait = await this.perAddress.waitMs(address, now)
      return { reason: 'address', retryAfter: Math.max(1, Math.ceil(wait / 1000)) }
    }
    const taken = slot
    let done = false
    const settle = () => {
      if (done) return false
      done = true
      return true
    }
    return {
      failed: async (at) => {
        if (settle()) await quietly(() => ticket.failed(at))
      },
      succeeded: async () => {
        if (!settle()) return
        await quietly(() => ticket.succeeded())
        await quietly(() => this.perAddress.refund(taken))
      },
      cancel: async () => {
        if (!settle()) return
        await quietly(() => ticket.cancel())
        await quietly(() => this.perAddress.refund(taken))
      },
    }
  }
}

/** Settling a throttle never fails the login it ends (a shared store reports its own outages). */
async function quietly(f: () => Awaitable<void>): Promise<void> {
  try {
    await f()
  } catch {
    // Counted a little longer (its window) or not at all: never an error for the caller.
  }
}

/** The per-email half in this process. */
export class MemoryEmailFailures implements EmailFailures {
  private readonly entries = new Map<string, Entry>()
  /** Entries in memory past which stale ones are dropped (doubled when few were stale). */
  private pruneAt = 100_000

  begin(email: string, now: number): EmailTicket | { waitMs: number } {
    const e = this.entry(email, now)
    if (e.lockedUntil > now) return { waitMs: e.lockedUntil - now }
    // Attempts still being checked may each become the failure that locks: wait for them.
    if (e.times.length + e.pending >= LOGIN_MAX_FAILURES) return { waitMs: 1000 }
    e.pending++
    return {
      failed: (at) => {
        e.pending--
        e.times.push(at)
        if (e.times.length >= LOGIN_MAX_FAILURES) {
          e.lockMs = e.lockMs === 0 ? LOGIN_FIRST_LOCK_MS : Math.min(LOGIN_MAX_LOCK_MS, e.lockMs * 2)
          e.lockedUntil = at + e.lockMs
          e.times = []
        }
      },
      succeeded: () => {
        e.pending--
        e.lockMs = 0
      },
      cancel: () => {
        e.pending--
      },
    }
  }

  private entry(email: string, now: number): Entry {
    let e = this.entries.get(email)
    if (!e) {
      if (this.entries.size >= this.pruneAt) this.prune(now)
      e = { times: [], pending: 0, lockedUntil: 0, lockMs: 0 }
      this.entries.set(email, e)
    }
    let expired = 0
    while (expired < e.times.length && e.times[expired]! <= now - LOGIN_WINDOW_MS) expired++
    if (expired > 0) e.times.splice(0, expired)
    return e
  }

  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.pending === 0 && e.lockedUntil < now && e.times.every((t) => t <= now - LOGIN_WINDOW_MS)) this.entries.delete(k)
    }
    this.pruneAt = Math.max(100_000, this.entries.size * 2)
  }
}

export function isRefusal(x: LoginAttempt | Refusal): x is Refusal {
  return 'reason' in x
}
