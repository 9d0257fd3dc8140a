// The rate limiter's full check (seed 000's two windows: 1000/min and 50000/h) against
// rate-limiter-flexible's RateLimiterMemory doing the same, on the allowing path and on the
// rejecting path (the one a flood takes). Exported for index.ts; runnable alone
// (`node dist-bench/scripts/bench/limiter.js`, after `npm run build:bench`).
import { fileURLToPath } from 'node:url'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { MemoryRateLimiter } from '../../src/daemon/services/rate-limiter.js'

const KEYS = 10_000

/** The four cases, by name. */
export type LimiterCase = 'ledgerAllow' | 'ledgerReject' | 'rlfAllow' | 'rlfReject'

/** A case: a function making `count` checks, and the count of a round. */
type Case = readonly [(count: number) => unknown, number]

/** Checks per second of `fn(n)` (it makes n checks). */
async function rate(fn: (n: number) => unknown, n: number): Promise<number> {
  const t = performance.now()
  await fn(n)
  return n / ((performance.now() - t) / 1000)
}

/**
 * Each case ROUNDS times, the four cases in turn (this machine's speed drifts within seconds),
 * and the best round of each: the one least disturbed by the rest of the machine.
 */
const ROUNDS = 5

/** The best checks per second of each case. */
export async function benchLimiter(n = 1_000_000): Promise<Record<LimiterCase, number>> {
  const now = Date.now()
  const ledger = new MemoryRateLimiter()
  // Rejecting: one key, exhausted (key 0; the allowing case uses keys 1-10000).
  for (let i = 0; i < 1000; i++) ledger.check(0, now)
  const minute = new RateLimiterMemory({ points: 1000, duration: 60 })
  const hour = new RateLimiterMemory({ points: 50000, duration: 3600 })
  const m2 = new RateLimiterMemory({ points: 1000, duration: 60 })
  const h2 = new RateLimiterMemory({ points: 50000, duration: 3600 })
  for (let i = 0; i < 1000; i++) {
    await m2.consume('flood')
    await h2.consume('flood')
  }
  // Allowing: 10000 keys in turn, each far from its limits (the clocks go on from round to round).
  let t = 0
  let k = 0
  const cases: Record<LimiterCase, Case> = {
    ledgerAllow: [
      (count) => {
        let ok = 0
        for (let i = 0; i < count; i++) if (ledger.check((i % KEYS) + 1, now + t++ / 1000).allowed) ok++
        return ok
      },
      n,
    ],
    ledgerReject: [
      (count) => {
        let denied = 0
        for (let i = 0; i < count; i++) if (!ledger.check(0, now).allowed) denied++
        return denied
      },
      n,
    ],
    rlfAllow: [
      async (count) => {
        for (let i = 0; i < count; i++) {
          const key = String(k++ % KEYS)
          await minute.consume(key)
          await hour.consume(key)
        }
      },
      n / 4,
    ],
    rlfReject: [
      async (count) => {
        for (let i = 0; i < count; i++) {
          try {
            await m2.consume('flood')
            await h2.consume('flood')
          } catch {
            // rejected: what a flood gets
          }
        }
      },
      n / 4,
    ],
  }
  const names = Object.keys(cases) as LimiterCase[]
  for (const name of names) await cases[name][0](50_000) // warm-up
  const best: Record<LimiterCase, number> = { ledgerAllow: 0, ledgerReject: 0, rlfAllow: 0, rlfReject: 0 }
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const [fn, count] = cases[name]
      best[name] = Math.max(best[name], await rate(fn, count))
    }
  }
  return best
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchLimiter()
  console.log(r)
}
