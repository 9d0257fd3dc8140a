import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRedis } from '../../src/daemon/redis/connection.js'
import { RedisRateLimiter } from '../../src/daemon/redis/rate-limiter.js'
import { DomainError } from '../../src/daemon/services/errors.js'
import {
  DEFAULT_LIMITS,
  type LimitSpec,
  MemoryRateLimiter,
  type RateDecision,
  type RateLimiter,
  RateLimiterUnavailableError,
} from '../../src/daemon/services/rate-limiter.js'
import { waitFor } from '../helpers/daemon.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'

// The shared rate limiter against a real redis-server: the same decisions as the in-memory one,
// one limit for several daemons, and a failure the caller can tell apart.

const skip = redisSkipReason()
if (skip) console.warn(`Redis rate limiter tests skipped: ${skip}`)

const T0 = 1_700_000_000_000
let prefixes = 0
/** A key prefix of its own for each limiter set: the tests share one server. */
const freshPrefix = () => `t${process.pid}-${++prefixes}:`

/** A linear congruential generator: the same "random" sequence on every run. */
function seeded(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

const bucket = (capacity: number, tokensPerSecond: number): LimitSpec => ({
  algorithm: 'token_bucket',
  capacity,
  tokensPerSecond,
  label: `bucket ${capacity} @ ${tokensPerSecond}/s`,
})
const windowOf = (capacity: number, seconds: number): LimitSpec => ({
  algorithm: 'fixed_window',
  capacity,
  tokensPerSecond: capacity / seconds,
  label: `${capacity} per ${seconds} s`,
})

/** One step of a sequence: move the clock, then check (or change the key's limits). */
type Step = { dt: number; key?: number; cost?: number } | { dt: number; key?: number; limits: LimitSpec[] | null }

/** A generated sequence: bursts, pauses just under and over refills, the odd long jump, costs. */
function generated(seed: number, n: number, costs = [1]): Step[] {
  const random = seeded(seed)
  const steps: Step[] = []
  for (let i = 0; i < n; i++) {
    const r = random()
    const dt = r < 0.6 ? 0 : r < 0.85 ? Math.floor(random() * 200) : r < 0.97 ? Math.floor(random() * 5000) : Math.floor(random() * 4e6)
    steps.push({ dt, key: random() < 0.8 ? 1 : 2, cost: costs[Math.floor(random() * costs.length)]! })
  }
  return steps
}

const TABLE: { name: string; limits: LimitSpec[] | null; steps: Step[] }[] = [
  {
    name: 'the defaults (1000/min, 50000/h): 1001 at once, then refills just before and at 60 ms',
    limits: null,
    steps: [
      ...Array.from({ length: 1001 }, () => ({ dt: 0 })),
      { dt: 59 },
      { dt: 1 },
      { dt: 0 },
      { dt: 59_940 },
      ...Array.from({ length: 20 }, () => ({ dt: 0, cost: 50 })),
    ],
  },
  { name: 'the defaults under a generated load of two keys', limits: null, steps: generated(1, 1500, [1, 10, 100]) },
  {
    name: 'two token buckets (10 @ 1/s, 30 @ 0.1/s): the longer one decides once the short one refills',
    limits: [bucket(10, 1), bucket(30, 0.1)],
    steps: generated(2, 600, [1, 1, 1, 3]),
  },
  {
    name: 'a fixed window (3 per 3 s): the window edge, several windows skipped at once',
    limits: [windowOf(3, 3)],
    steps: [
      { dt: 0 }, { dt: 0 }, { dt: 0 }, { dt: 0 }, { dt: 2999 }, { dt: 1 }, { dt: 0 }, { dt: 10_500 }, { dt: 0 },
      { dt: 0 }, { dt: 0 }, { dt: 1499 }, { dt: 1 }, ...generated(3, 300, [1, 2]),
    ],
  },
  {
    name: 'a fixed window and a bucket together, fractional rates (1000/60 per second)',
    limits: [windowOf(50, 7), bucket(20, 1000 / 60)],
    steps: generated(4, 800, [1, 2, 5]),
  },
  {
    name: 'limits changed mid-way start full, and back to the defaults',
    limits: [bucket(5, 0.5)],
    steps: [
      ...Array.from({ length: 7 }, () => ({ dt: 0 })),
      { dt: 100, limits: [windowOf(2, 1)] },
      { dt: 0 }, { dt: 0 }, { dt: 0 }, { dt: 999 }, { dt: 1 },
      { dt: 0, limits: null },
      { dt: 0 }, { dt: 0, cost: 998 }, { dt: 0, cost: 2 }, { dt: 30 },
    ],
  },
  {
    name: 'limits slower than the API allows (1e-300/s, stored by an older Ledger): waits capped at a year',
    limits: [bucket(3, 1e-300), windowOf(2, 1e303)],
    steps: [{ dt: 0 }, { dt: 0 }, { dt: 0 }, { dt: 86_400_000 }, { dt: 0, cost: 2 }],
  },
]

/**
 * Runs `count` calls of `fn`, `inFlight` at a time (requests arriving together at the daemons;
 * a few thousand at once on a loaded test machine would only test the command timeout).
 */
async function concurrently<T>(count: number, inFlight: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      out[i] = await fn(i)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return out
}

/** Runs a sequence on a limiter, returning every decision (or null for a change of limits). */
async function play(rl: RateLimiter, limits: LimitSpec[] | null, steps: Step[]): Promise<(RateDecision | null)[]> {
  let now = T0
  if (limits) {
    for (const key of [1, 2]) await rl.setLimits(key, limits)
  }
  const out: (RateDecision | null)[] = []
  for (const s of steps) {
    now += s.dt
    if ('limits' in s) {
      await rl.setLimits(s.key ?? 1, s.limits)
      out.push(null)
    } else {
      out.push(await rl.check(s.key ?? 1, now, s.cost ?? 1))
    }
  }
  return out
}

describe.skipIf(skip !== null)('RedisRateLimiter against a real Redis', () => {
  const server = useRedis()
  const connections: Redis[] = []
  const connect = async () => {
    const c = openRedis(server().url)
    await c.connect()
    connections.push(c)
    return c
  }
  afterAll(() => {
    for (const c of connections) c.disconnect()
  })

  let redis: Redis
  beforeAll(async () => {
    redis = await connect()
  })

  it.each(TABLE)('decides as MemoryRateLimiter does, figure for figure: $name', async ({ limits, steps }) => {
    const memory = await play(new MemoryRateLimiter(), limits, steps)
    const shared = await play(new RedisRateLimiter(redis, { prefix: freshPrefix(), clock: 'caller' }), limits, steps)
    // Both refuse sometimes and allow sometimes, or the sequence tests little.
    const allowed = memory.filter((d) => d?.allowed).length
    expect(allowed).toBeGreaterThan(0)
    expect(allowed).toBeLessThan(memory.filter((d) => d !== null).length)
    expect(shared).toEqual(memory)
  })

  it('two daemons on one Redis hold one limit: the 1001st request of the minute is refused whichever takes it', async () => {
    const prefix = freshPrefix()
    const a = new RedisRateLimiter(await connect(), { prefix, clock: 'caller' })
    const b = new RedisRateLimiter(await connect(), { prefix, clock: 'caller' })
    // 2000 requests at one instant, spread at random over both daemons, 64 in flight at a time.
    const random = seeded(5)
    const decisions = await concurrently(2000, 64, () => (random() < 0.5 ? a : b).check(42, T0))
    expect(decisions.filter((d) => d.allowed)).toHaveLength(1000)
    // On their own, each daemon would have allowed up to 1000 of its own share.
    const alone = [new MemoryRateLimiter(), new MemoryRateLimiter()]
    const random2 = seeded(5)
    const perInstance = Array.from({ length: 2000 }, () => alone[random2() < 0.5 ? 0 : 1]!.check(42, T0))
    expect(perInstance.filter((d) => d.allowed).length).toBeGreaterThan(1000)
    // Either daemon refuses the next one, with the minute's detail and headers.
    for (const rl of [a, b]) {
      expect(await rl.check(42, T0)).toMatchObject({ allowed: false, limit: 1000, remaining: 0, label: '1000 requests per minute', retryAfter: 1 })
    }
    // 60 ms later, one token for the two of them together.
    const next = await Promise.all([a.check(42, T0 + 60), b.check(42, T0 + 60)])
    expect(next.map((d) => d.allowed).sort()).toEqual([false, true])
  })

  it('on the server clock (the default), daemons share Redis TIME: the clocks they pass do not count', async () => {
    const prefix = freshPrefix()
    const a = new RedisRateLimiter(await connect(), { prefix })
    const b = new RedisRateLimiter(await connect(), { prefix })
    for (const rl of [a, b]) await rl.setLimits(7, [windowOf(1000, 60)])
    // Daemon b's clock is a day behind and a's an hour ahead: the window is still one.
    const skewed = await concurrently(1100, 64, (i) =>
      i % 2 ? a.check(7, Date.now() + 3_600_000) : b.check(7, Date.now() - 86_400_000),
    )
    expect(skewed.filter((d) => d.allowed)).toHaveLength(1000)
    const refused = skewed.find((d) => !d.allowed)!
    // Reset and Retry-After are reckoned on Redis's clock, i.e. this machine's, not a skewed one.
    const nowS = Date.now() / 1000
    expect(refused.reset).toBeGreaterThan(nowS + 55)
    expect(refused.reset).toBeLessThanOrEqual(Math.ceil(nowS + 60))
    expect(refused.retryAfter).toBeGreaterThan(55)
  })

  it('new limits start full on every daemon (set on one, loaded by the other)', async () => {
    const prefix = freshPrefix()
    const a = new RedisRateLimiter(redis, { prefix, clock: 'caller' })
    const b = new RedisRateLimiter(await connect(), { prefix, clock: 'caller' })
    for (let i = 0; i < 1000; i++) await a.check(9, T0)
    expect((await b.check(9, T0)).allowed).toBe(false)
    await a.setLimits(9, [bucket(5, 1)])
    b.loadLimits(9, [bucket(5, 1)])
    expect(await b.check(9, T0)).toMatchObject({ allowed: true, limit: 5, remaining: 4 })
    expect(await a.check(9, T0)).toMatchObject({ allowed: true, limit: 5, remaining: 3 })
    // A daemon restarting loads the stored limits: the buckets already running keep their tokens.
    const c = new RedisRateLimiter(redis, { prefix, clock: 'caller' })
    c.loadLimits(9, [bucket(5, 1)])
    expect(await c.check(9, T0)).toMatchObject({ allowed: true, remaining: 2 })
  })

  it('state expires once every bucket would be full again (plus a minute): an idle key costs Redis nothing', async () => {
    const prefix = freshPrefix()
    const rl = new RedisRateLimiter(redis, { prefix, clock: 'caller' })
    await rl.setLimits(3, [bucket(10, 2)])
    await rl.check(3, T0, 4)
    const ttl = await redis.pttl(`${prefix}rl:{3}`)
    // 4 tokens at 2 per second: full again in 2 s, kept for 62 s.
    expect(ttl).toBeGreaterThan(61_000)
    expect(ttl).toBeLessThanOrEqual(62_000)
    expect((await rl.health()).tracked_keys).toBe(1)
  })
})

describe.skipIf(skip !== null)('RedisRateLimiter when Redis fails', () => {
  const server = useRedis()

  it('Redis down: check throws RateLimiterUnavailableError at once (a 503 with Retry-After where nothing catches it); it recovers by itself', async () => {
    const redis = openRedis(server().url)
    await redis.connect()
    try {
      const rl = new RedisRateLimiter(redis, { prefix: freshPrefix(), clock: 'caller' })
      expect((await rl.check(1, T0)).remaining).toBe(999)
      expect(await rl.health()).toMatchObject({ status: 'healthy', backend: 'redis', connection: 'ready' })
      await server().kill()

      for (let i = 0; i < 3; i++) {
        const started = Date.now()
        const err = await rl.check(1, T0).then(
          () => null,
          (e: unknown) => e,
        )
        expect(Date.now() - started).toBeLessThan(1500)
        expect(err).toBeInstanceOf(RateLimiterUnavailableError)
        expect(err).toBeInstanceOf(DomainError)
        expect(err).toMatchObject({ kind: 'unavailable', retryAfter: 5 })
        expect((err as Error).message).toMatch(/^The shared rate limiter is unavailable: /)
      }
      const down = await rl.health()
      expect(down).toMatchObject({ status: 'degraded', backend: 'redis' })
      expect(down['last_error']).toBeTruthy()
      // Changing limits never fails for it (the state is rebuilt under the new limits).
      await rl.setLimits(1, [bucket(3, 1)])

      await server().restart()
      // Back by itself (reconnecting in the background), with an empty Redis and no script
      // loaded: EVALSHA misses once and the script is sent again.
      const d = await waitFor(() => rl.check(1, T0).catch(() => null), 15_000, 'the limiter to recover')
      expect(d).toMatchObject({ allowed: true, limit: 3, remaining: 2 })
      expect((await rl.health()).status).toBe('healthy')
    } finally {
      redis.disconnect()
    }
  })

  it('Redis hung (SIGSTOP): check gives up after the command timeout instead of holding the request', async () => {
    const redis = openRedis(server().url)
    await redis.connect()
    const pid = server().pid
    try {
      const rl = new RedisRateLimiter(redis, { prefix: freshPrefix(), clock: 'caller' })
      await rl.check(1, T0)
      process.kill(pid, 'SIGSTOP')
      const started = Date.now()
      await expect(rl.check(1, T0)).rejects.toBeInstanceOf(RateLimiterUnavailableError)
      const waited = Date.now() - started
      expect(waited).toBeGreaterThanOrEqual(900)
      expect(waited).toBeLessThan(3000)
    } finally {
      process.kill(pid, 'SIGCONT')
      redis.disconnect()
    }
  })

  it('the memory limiter keeps the same interface and never throws it', async () => {
    const rl: RateLimiter = new MemoryRateLimiter()
    expect(rl.backend).toBe('memory')
    expect(rl.limitsOf(1)).toBe(DEFAULT_LIMITS)
    expect(await rl.health()).toEqual({ status: 'healthy', backend: 'memory', mode: 'memory (per instance)', tracked_keys: 0 })
    expect((await rl.check(1, T0)).allowed).toBe(true)
  })
})
