import { describe, expect, it } from 'vitest'
import { retryAfterSeconds, WindowThrottle, windowWaitMs } from '../../src/daemon/services/window-throttle.js'

const T0 = 1_700_000_000_000

describe('WindowThrottle', () => {
  it('allows max events per window, then says exactly when the next one passes', () => {
    const t = new WindowThrottle([
      { max: 1, windowMs: 60_000 },
      { max: 3, windowMs: 3_600_000 },
    ])
    expect(t.take('a', T0)).not.toBeNull()
    expect(t.take('a', T0 + 1000)).toBeNull()
    expect(t.waitMs('a', T0 + 1000)).toBe(59_000)
    expect(t.take('a', T0 + 60_000)).not.toBeNull()
    expect(t.take('a', T0 + 120_000)).not.toBeNull()
    // The hour is full: the oldest of the three leaves it at T0 + 1 h.
    expect(t.take('a', T0 + 180_000)).toBeNull()
    expect(t.waitMs('a', T0 + 180_000)).toBe(3_600_000 - 180_000)
    expect(t.take('a', T0 + 3_600_000)).not.toBeNull()
    // Keys are independent.
    expect(t.take('b', T0 + 1000)).not.toBeNull()
  })

  it('gives a refunded slot back, and only that one', () => {
    const t = new WindowThrottle([{ max: 2, windowMs: 60_000 }])
    const first = t.take('a', T0)!
    t.take('a', T0 + 10)
    expect(t.take('a', T0 + 20)).toBeNull()
    t.refund(first)
    expect(t.take('a', T0 + 20)).not.toBeNull()
    expect(t.take('a', T0 + 30)).toBeNull()
  })

  it('keeps answering correctly past 100,000 keys (stale ones are dropped)', () => {
    const t = new WindowThrottle([{ max: 1, windowMs: 1000 }])
    for (let i = 0; i < 150_000; i++) t.take(`k${i}`, T0 + i)
    expect(t.take('k149999', T0 + 149_999)).toBeNull()
    expect(t.take('k0', T0 + 149_999)).not.toBeNull()
  })

  it('windowWaitMs and retryAfterSeconds give whole seconds of at least 1', () => {
    expect(windowWaitMs([T0, T0 + 10], [{ max: 2, windowMs: 1000 }], T0 + 500)).toBe(500)
    expect(windowWaitMs([T0], [{ max: 2, windowMs: 1000 }], T0 + 500)).toBe(0)
    expect(retryAfterSeconds(1)).toBe(1)
    expect(retryAfterSeconds(1001)).toBe(2)
  })
})
