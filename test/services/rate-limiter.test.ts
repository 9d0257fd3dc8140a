import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, MemoryRateLimiter } from '../../src/daemon/services/rate-limiter.js'

const T0 = 1_700_000_000_000

describe('MemoryRateLimiter with the default limits (1000/min, 50000/h)', () => {
  it('allows exactly 1000 requests at one instant, then refuses the 1001st with the per-minute detail', () => {
    const rl = new MemoryRateLimiter()
    for (let i = 0; i < 1000; i++) expect(rl.check(1, T0).allowed).toBe(true)
    const d = rl.check(1, T0)
    expect(d.allowed).toBe(false)
    expect(d.label).toBe('1000 requests per minute')
    expect(d.limit).toBe(1000)
    expect(d.remaining).toBe(0)
    // One token refills in 60/1000 s: the next request passes in 1 whole second at most.
    expect(d.retryAfter).toBe(1)
  })

  it('refills at 1000/60 tokens per second: 60 ms later one more request passes', () => {
    const rl = new MemoryRateLimiter()
    for (let i = 0; i < 1000; i++) rl.check(1, T0)
    expect(rl.check(1, T0 + 59).allowed).toBe(false)
    expect(rl.check(1, T0 + 60).allowed).toBe(true)
    expect(rl.check(1, T0 + 60).allowed).toBe(false)
  })

  it('is full again one minute after being emptied, and X-RateLimit-Reset says so', () => {
    const rl = new MemoryRateLimiter()
    let d = rl.check(1, T0)
    expect(d.remaining).toBe(999)
    expect(d.reset).toBe(Math.ceil((T0 + 60) / 1000))
    for (let i = 0; i < 999; i++) d = rl.check(1, T0)
    expect(d.remaining).toBe(0)
    expect(d.reset).toBe(Math.ceil((T0 + 60_000) / 1000))
    for (let i = 0; i < 1000; i++) expect(rl.check(1, T0 + 60_000).allowed).toBe(true)
  })

  it('enforces the hourly window: past 50000 tokens (plus the hour refill) the hour refuses, minute tokens or not', () => {
    const rl = new MemoryRateLimiter()
    let t = T0
    let allowed = 0
    let d = rl.check(1, t)
    // Send as fast as the minute bucket allows, waiting only when the minute refuses.
    for (;;) {
      d = rl.check(1, t)
      if (d.allowed) allowed++
      else if (d.label === '1000 requests per minute') t += 60
      else break
    }
    allowed++ // the first check above
    expect(d.label).toBe('50000 requests per hour')
    expect(d.limit).toBe(50000)
    expect(d.remaining).toBe(0)
    // A token bucket of 50000 refilled at 50000/3600 per second: capacity plus what refilled.
    const elapsedSeconds = (t - T0) / 1000
    expect(Math.abs(allowed - (50000 + (elapsedSeconds * 50000) / 3600))).toBeLessThan(2)
  })

  it('consumes nothing when it refuses', () => {
    const rl = new MemoryRateLimiter()
    for (let i = 0; i < 1000; i++) rl.check(1, T0)
    for (let i = 0; i < 100; i++) expect(rl.check(1, T0).allowed).toBe(false)
    // The refill after 60 ms is still exactly one token.
    expect(rl.check(1, T0 + 60).allowed).toBe(true)
    expect(rl.check(1, T0 + 60).allowed).toBe(false)
  })

  it('keeps keys independent: one key exhausted does not affect another', () => {
    const rl = new MemoryRateLimiter()
    for (let i = 0; i < 1001; i++) rl.check(1, T0)
    expect(rl.check(1, T0).allowed).toBe(false)
    expect(rl.check(2, T0)).toMatchObject({ allowed: true, remaining: 999 })
  })

  it('applies custom limits at once, starting full, and fixed windows reset on the window edge', () => {
    const rl = new MemoryRateLimiter()
    rl.check(1, T0)
    rl.setLimits(1, [
      { algorithm: 'fixed_window', tokensPerSecond: 1, capacity: 3, label: '3 requests per 3 seconds' },
    ])
    expect([1, 2, 3, 4].map(() => rl.check(1, T0).allowed)).toEqual([true, true, true, false])
    expect(rl.check(1, T0 + 2999).allowed).toBe(false)
    expect(rl.check(1, T0 + 3000).allowed).toBe(true)
    rl.setLimits(1, null)
    expect(rl.limitsOf(1)).toBe(DEFAULT_LIMITS)
    expect(rl.check(1, T0 + 3000).remaining).toBe(999)
  })
})

describe('MemoryRateLimiter with limits slower than the API now allows (stored by an older Ledger)', () => {
  it.each(['token_bucket', 'fixed_window'] as const)(
    '%s at 1e-300 tokens/s: every figure of a decision is an integer, waits capped at a year',
    (algorithm) => {
      const rl = new MemoryRateLimiter()
      rl.setLimits(7, [{ algorithm, tokensPerSecond: 1e-300, capacity: 3, label: 'slow' }])
      for (let i = 0; i < 4; i++) {
        const d = rl.check(7, T0)
        for (const v of [d.limit, d.remaining, d.reset, d.retryAfter]) {
          expect(Number.isSafeInteger(v), `${JSON.stringify(d)}`).toBe(true)
          expect(String(v)).toMatch(/^\d+$/)
        }
        expect(d.fullInMs).toBeLessThanOrEqual(365 * 86_400_000)
        expect(d.retryAfter).toBeLessThanOrEqual(365 * 86_400)
      }
    },
  )
})
