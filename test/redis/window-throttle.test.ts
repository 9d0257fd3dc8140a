import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRedis } from '../../src/daemon/redis/connection.js'
import { RedisWindowThrottle } from '../../src/daemon/redis/window-throttle.js'
import {
  type SlidingWindows,
  type Slot,
  ThrottleUnavailableError,
  type WindowLimit,
  WindowThrottle,
} from '../../src/daemon/services/window-throttle.js'
import { waitFor } from '../helpers/daemon.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'

// The per-address and per-email throttles (registrations, failed logins, sent codes) with their
// events in a real Redis: the same answers as the in-memory WindowThrottle, one count for
// several daemons, and a failure the caller can tell apart.

const skip = redisSkipReason()
if (skip) console.warn(`Redis throttle tests skipped: ${skip}`)

const T0 = 1_700_000_000_000
let names = 0
const freshName = () => `t${process.pid}-${++names}`

function seeded(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

type Op = { dt: number; key: string; op: 'take' | 'wait' | 'refund' }

/** Takes, waits and refunds (of a slot taken before) on a few keys, with pauses of every size. */
function generated(seed: number, n: number, windowMs: number): Op[] {
  const random = seeded(seed)
  return Array.from({ length: n }, () => {
    const r = random()
    const dt = r < 0.5 ? 0 : r < 0.9 ? Math.floor(random() * windowMs * 0.3) : Math.floor(random() * windowMs * 2)
    const o = random()
    return { dt, key: random() < 0.7 ? '203.0.113.1' : 'user@example.com', op: o < 0.7 ? 'take' : o < 0.9 ? 'wait' : 'refund' }
  })
}

const TABLE: { name: string; limits: WindowLimit[]; ops: Op[] }[] = [
  {
    name: 'registrations: 3 an hour',
    limits: [{ max: 3, windowMs: 3_600_000 }],
    ops: generated(1, 300, 3_600_000),
  },
  {
    name: 'send-code per address: 5 a minute and 20 an hour',
    limits: [
      { max: 5, windowMs: 60_000 },
      { max: 20, windowMs: 3_600_000 },
    ],
    ops: generated(2, 500, 60_000),
  },
  {
    name: 'failed logins per address: 2 in 5 minutes, events at the same millisecond',
    limits: [{ max: 2, windowMs: 300_000 }],
    ops: [
      { dt: 0, key: 'a', op: 'take' }, { dt: 0, key: 'a', op: 'take' }, { dt: 0, key: 'a', op: 'take' },
      { dt: 0, key: 'a', op: 'wait' }, { dt: 0, key: 'a', op: 'refund' }, { dt: 0, key: 'a', op: 'take' },
      { dt: 299_999, key: 'a', op: 'wait' }, { dt: 1, key: 'a', op: 'take' }, { dt: 0, key: 'a', op: 'take' },
      ...generated(3, 200, 300_000),
    ],
  },
]

/** Runs a sequence: what each take, wait and refund answered (a refund gives back the last slot taken on its key). */
async function play(t: SlidingWindows, ops: Op[]): Promise<unknown[]> {
  let now = T0
  const taken = new Map<string, Slot[]>()
  const out: unknown[] = []
  for (const o of ops) {
    now += o.dt
    if (o.op === 'wait') out.push(['wait', await t.waitMs(o.key, now)])
    else if (o.op === 'take') {
      const slot = await t.take(o.key, now)
      if (slot) taken.set(o.key, [...(taken.get(o.key) ?? []), slot])
      out.push(['take', slot === null ? null : slot.at])
    } else {
      const slot = taken.get(o.key)?.pop()
      if (slot) await t.refund(slot)
      out.push(['refund', slot?.at ?? null])
    }
  }
  return out
}

describe.skipIf(skip !== null)('RedisWindowThrottle against a real Redis', () => {
  const server = useRedis()
  let redis: Redis
  const others: Redis[] = []
  beforeAll(async () => {
    redis = openRedis(server().url)
    await redis.connect()
  })
  afterAll(() => {
    redis.disconnect()
    for (const c of others) c.disconnect()
  })

  it.each(TABLE)('answers as WindowThrottle does, step for step: $name', async ({ limits, ops }) => {
    const memory = await play(new WindowThrottle(limits), ops)
    const shared = await play(new RedisWindowThrottle(redis, limits, { name: freshName(), clock: 'caller' }), ops)
    const takes = memory.filter((r) => (r as unknown[])[0] === 'take')
    expect(takes.some((r) => (r as unknown[])[1] === null)).toBe(true)
    expect(takes.some((r) => (r as unknown[])[1] !== null)).toBe(true)
    expect(shared).toEqual(memory)
  })

  it('two daemons share one count: 20 registrations an hour from an address, whichever daemon gets them', async () => {
    const name = freshName()
    const limits = [{ max: 20, windowMs: 3_600_000 }]
    const b = openRedis(server().url)
    await b.connect()
    others.push(b)
    const daemons = [new RedisWindowThrottle(redis, limits, { name }), new RedisWindowThrottle(b, limits, { name })]
    const random = seeded(9)
    // 60 at once: a handful of requests, well within the command timeout even on a loaded machine.
    const slots = await Promise.all(Array.from({ length: 60 }, () => daemons[random() < 0.5 ? 0 : 1]!.take('198.51.100.7', Date.now())))
    expect(slots.filter((s) => s !== null)).toHaveLength(20)
    // On Redis's clock, the wait is the hour less the time since the first.
    const wait = await daemons[1]!.waitMs('198.51.100.7', 0)
    expect(wait).toBeGreaterThan(3_590_000)
    expect(wait).toBeLessThanOrEqual(3_600_000)
    // A refund on one daemon frees a slot for the other.
    await daemons[0]!.refund(slots.find((s) => s !== null)!)
    expect(await daemons[1]!.take('198.51.100.7', 0)).not.toBeNull()
    expect(await daemons[0]!.take('198.51.100.7', 0)).toBeNull()
    // Events expire with the longest window: nothing outlives the hour.
    const key = (await redis.keys(`ledger:wt:${name}:*`))[0]!
    expect(await redis.pttl(key)).toBeGreaterThan(3_590_000)
  })

  it('Redis down: each operation throws ThrottleUnavailableError at once; it recovers by itself', async () => {
    const own = openRedis(server().url)
    await own.connect()
    try {
      const t = new RedisWindowThrottle(own, [{ max: 1, windowMs: 60_000 }], { name: freshName(), clock: 'caller' })
      const slot = (await t.take('a', T0))!
      await server().kill()
      const started = Date.now()
      await expect(t.take('a', T0)).rejects.toBeInstanceOf(ThrottleUnavailableError)
      await expect(t.waitMs('a', T0)).rejects.toMatchObject({ kind: 'unavailable', retryAfter: 5 })
      await expect(t.refund(slot)).rejects.toBeInstanceOf(ThrottleUnavailableError)
      expect(Date.now() - started).toBeLessThan(1500)
      await server().restart()
      // An empty Redis after the restart (nothing is persisted): the key is free again.
      expect(await waitFor(() => t.take('a', T0).catch(() => null), 15_000, 'the throttle to recover')).toMatchObject({ key: 'a', at: T0 })
    } finally {
      own.disconnect()
    }
  })
})
