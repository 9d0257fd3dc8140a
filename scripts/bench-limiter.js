// The rate limiter's full check (seed 000's two windows: 1000/min and 50000/h) against
// rate-limiter-flexible's RateLimiterMemory doing the same, on the allowing path and on the
// rejecting path (the one a flood takes). Exported for bench.js; runnable alone.
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { MemoryRateLimiter } from '../dist/daemon/services/rate-limiter.js'

const KEYS = 10_000

async function measure(fn, n) {
  await fn(Math.min(n, 50_000)) // warm-up
  const t = performance.now()
  await fn(n)
  return n / ((performance.now() - t) / 1000)
}

export async function benchLimiter(n = 2_000_000) {
  const now = Date.now()
  const ledger = new MemoryRateLimiter()
  // Allowing: 10000 keys in turn, each far from its limits.
  const ledgerAllow = await measure((count) => {
    let ok = 0
    for (let i = 0; i < count; i++) if (ledger.check((i % KEYS) + 1, now + i / 1000).allowed) ok++
    return ok
  }, n)
  // Rejecting: one key, exhausted.
  for (let i = 0; i < 1000; i++) ledger.check(0, now)
  const ledgerReject = await measure((count) => {
    let denied = 0
    for (let i = 0; i < count; i++) if (!ledger.check(0, now).allowed) denied++
    return denied
  }, n)

  const minute = new RateLimiterMemory({ points: 1000, duration: 60 })
  const hour = new RateLimiterMemory({ points: 50000, duration: 3600 })
  const rlfAllow = await measure(async (count) => {
    for (let i = 0; i < count; i++) {
      const k = String(i % KEYS)
      await minute.consume(k)
      await hour.consume(k)
    }
  }, n / 4)
  const m2 = new RateLimiterMemory({ points: 1000, duration: 60 })
  const h2 = new RateLimiterMemory({ points: 50000, duration: 3600 })
  for (let i = 0; i < 1000; i++) {
    await m2.consume('flood')
    await h2.consume('flood')
  }
  const rlfReject = await measure(async (count) => {
    for (let i = 0; i < count; i++) {
      try {
        await m2.consume('flood')
        await h2.consume('flood')
      } catch {
        // rejected: what a flood gets
      }
    }
  }, n / 4)
  return { ledgerAllow, ledgerReject, rlfAllow, rlfReject }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const r = await benchLimiter()
  console.log(r)
}
