import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRedis } from '../../src/daemon/redis/connection.js'
import { RedisEmailFailures } from '../../src/daemon/redis/login-failures.js'
import { type EmailFailures, type EmailTicket, MemoryEmailFailures } from '../../src/daemon/services/login-throttle.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'

// The per-email half of the login throttle (failures in 5 minutes, attempts being checked, the
// 30 s lock doubling up to 15 minutes) in a real Redis: the same answers as in memory on the
// same sequence, and one count for several daemons.

const skip = redisSkipReason()
const T0 = 1_700_000_000_000
let n = 0
const prefix = () => `lf${process.pid}-${++n}:`

function seeded(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

/**
 * Runs begins and settlements (fail, succeed, cancel a pending attempt) on two emails, with
 * pauses of every size, and records every answer: the waits of refused begins included.
 */
async function trace(store: EmailFailures, seed: number, steps: number): Promise<string[]> {
  const random = seeded(seed)
  const pending: { email: string; ticket: EmailTicket; at: number }[] = []
  const out: string[] = []
  let now = T0
  for (let i = 0; i < steps; i++) {
    const r = random()
    const dt = r < 0.5 ? 0 : r < 0.85 ? Math.floor(random() * 20_000) : Math.floor(random() * 400_000)
    // A check lasts seconds: attempts are settled before they are 50 s old (Redis lets one
    // left pending for a minute go, where memory would keep it forever).
    for (const p of pending.filter((p) => now + dt - p.at > 50_000)) {
      pending.splice(pending.indexOf(p), 1)
      await p.ticket.failed(now)
      out.push(`${i} ${p.email} failed`)
    }
    now += dt
    const email = random() < 0.8 ? 'a@example.com' : 'b@example.com'
    const o = random()
    if (o < 0.5 || pending.length === 0) {
      const b = await store.begin(email, now)
      if ('waitMs' in b) out.push(`${i} ${email} wait ${b.waitMs}`)
      else {
        pending.push({ email, ticket: b, at: now })
        out.push(`${i} ${email} begun`)
      }
    } else {
      const [p] = pending.splice(Math.floor(random() * pending.length), 1)
      const s = random()
      if (s < 0.75) await p!.ticket.failed(now)
      else if (s < 0.9) await p!.ticket.succeeded()
      else await p!.ticket.cancel()
      out.push(`${i} ${p!.email} ${s < 0.75 ? 'failed' : s < 0.9 ? 'succeeded' : 'cancelled'}`)
    }
  }
  return out
}

describe.skipIf(skip !== null)('the per-email login throttle in Redis', () => {
  const server = useRedis()
  let redis: Redis
  beforeAll(async () => {
    redis = openRedis(server().url)
    await redis.connect()
  })
  afterAll(async () => {
    await redis?.quit()
  })

  for (const seed of [1, 2, 3]) {
    it(`answers as the memory one on the same sequence (seed ${seed}: locks, doubling, successes, pending attempts)`, async () => {
      const memory = await trace(new MemoryEmailFailures(), seed, 400)
      const shared = await trace(new RedisEmailFailures(redis, { prefix: prefix(), clock: 'caller' }), seed, 400)
      expect(shared).toEqual(memory)
      // The sequence did reach locks (a wait of 30 s or more), not only refusals for pending attempts.
      const waits = memory.filter((l) => l.includes(' wait ')).map((l) => Number(l.split(' ').at(-1)))
      expect(waits.some((w) => w > 1000)).toBe(true)
      expect(waits.filter((w) => w === 1000).length).toBeGreaterThan(0)
    })
  }

  it('5 failures through one daemon lock the email on another for 30 s, then 60 s at the next lockout', async () => {
    const p = prefix()
    const a = new RedisEmailFailures(redis, { prefix: p, clock: 'caller' })
    const b = new RedisEmailFailures(redis, { prefix: p, clock: 'caller' })
    for (let i = 0; i < 5; i++) {
      const t = await a.begin('x@example.com', T0)
      if ('waitMs' in t) throw new Error('refused too early')
      await t.failed(T0)
    }
    expect(await b.begin('x@example.com', T0 + 1000)).toEqual({ waitMs: 29_000 })
    for (let i = 0; i < 5; i++) {
      const t = await (i % 2 ? a : b).begin('x@example.com', T0 + 30_000)
      if ('waitMs' in t) throw new Error('refused after the lock')
      await t.failed(T0 + 30_000)
    }
    expect(await a.begin('x@example.com', T0 + 30_000)).toEqual({ waitMs: 60_000 })
  })

  it('an attempt left pending by a daemon that died stops counting after a minute', async () => {
    const s = new RedisEmailFailures(redis, { prefix: prefix(), clock: 'caller' })
    for (let i = 0; i < 5; i++) expect('waitMs' in (await s.begin('y@example.com', T0))).toBe(false)
    expect(await s.begin('y@example.com', T0 + 59_000)).toEqual({ waitMs: 1000 })
    expect('waitMs' in (await s.begin('y@example.com', T0 + 60_001))).toBe(false)
  })
})
