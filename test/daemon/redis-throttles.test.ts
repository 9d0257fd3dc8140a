import { afterEach, describe, expect, it } from 'vitest'
import { PASSWORD, registerAccount, startTestDaemon, type TestDaemon, uniqueEmail, waitFor } from '../helpers/daemon.js'
import { postgresSkipReason, usePostgres } from '../helpers/postgres.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'

// The brute-force throttles of daemons on one PostgreSQL with one Redis count together: failed
// logins, registrations and code requests from one client address are limited however a load
// balancer spreads them. Without Redis, each daemon counts alone.

const skip = postgresSkipReason() ?? redisSkipReason()

describe.skipIf(skip !== null)('throttles in Redis, across daemons on one PostgreSQL', () => {
  const pg = usePostgres({ fsync: false })
  const redis = useRedis()
  const daemons: TestDaemon[] = []
  let db = 0
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.close()))
  })

  async function pair(overrides: Record<string, unknown>, shared = true): Promise<[TestDaemon, TestDaemon]> {
    const databaseUrl = await pg().createDatabase()
    // A Redis database of its own per test: the throttles' keys (per address: 127.0.0.1) start empty.
    const redisUrl = shared ? `${redis().url}/${++db}` : undefined
    for (let i = 0; i < 2; i++) daemons.push(await startTestDaemon({ databaseUrl, redisUrl, ...overrides }, { realClock: true }))
    return [daemons.at(-2)!, daemons.at(-1)!]
  }

  const login = (d: TestDaemon, email: string, password: string) =>
    d.client.raw('POST', '/api/v1/accounts/login', { body: { email, password } })

  it('failed logins from one address on daemon A count on daemon B: past the per-address bound, B refuses with 429', async () => {
    const [a, b] = await pair({ loginFailuresPerAddress: 3 })
    // Other emails each time: the per-email lock is not what refuses.
    for (let i = 0; i < 2; i++) expect((await login(a, uniqueEmail(), 'WrongPass1')).status).toBe(401)
    expect((await login(b, uniqueEmail(), 'WrongPass1')).status).toBe(401)
    for (const d of [b, a]) {
      const refused = await login(d, uniqueEmail(), 'WrongPass1')
      expect(refused.status).toBe(429)
      expect(refused.body).toEqual({ detail: expect.stringContaining('from this address') })
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    }
  })

  it('failed logins for one email on daemon A lock it on daemon B (5 failures: 429 for 30 s, for the right password too)', async () => {
    const [a, b] = await pair({})
    const account = await registerAccount(a.client)
    for (let i = 0; i < 5; i++) expect((await login(i % 2 ? b : a, account.email, 'WrongPass1')).status).toBe(401)
    for (const d of [b, a]) {
      const locked = await login(d, account.email, PASSWORD)
      expect(locked.status).toBe(429)
      expect(locked.body).toEqual({ detail: expect.stringContaining('for this account') })
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(25)
    }
  })

  it('a successful login gives its slot back on every daemon', async () => {
    const [a, b] = await pair({ loginFailuresPerAddress: 2 })
    const account = await registerAccount(a.client)
    expect((await login(a, uniqueEmail(), 'WrongPass1')).status).toBe(401)
    // Not a failure: the bound still has one slot, on B too.
    expect((await login(b, account.email, PASSWORD)).status).toBe(200)
    expect((await login(b, uniqueEmail(), 'WrongPass1')).status).toBe(401)
    expect((await login(a, uniqueEmail(), 'WrongPass1')).status).toBe(429)
  })

  it('registrations from one address are counted across daemons', async () => {
    const [a, b] = await pair({ registrationsPerHour: 2 })
    expect((await a.client.raw('POST', '/api/v1/accounts/register', { body: { email: uniqueEmail(), password: PASSWORD, name: 'A' } })).status).toBe(201)
    expect((await b.client.raw('POST', '/api/v1/accounts/register', { body: { email: uniqueEmail(), password: PASSWORD, name: 'B' } })).status).toBe(201)
    const refused = await a.client.raw('POST', '/api/v1/accounts/register', { body: { email: uniqueEmail(), password: PASSWORD, name: 'C' } })
    expect(refused.status).toBe(429)
    expect(refused.body).toEqual({ detail: expect.stringContaining('registrations') })
  })

  it('code requests for one email are counted across daemons (one a minute)', async () => {
    const [a, b] = await pair({})
    const email = uniqueEmail()
    const send = (d: TestDaemon) => d.client.raw('POST', '/api/v1/accounts/verification/send-code', { body: { email } })
    expect((await send(a)).status).toBeLessThan(300)
    const refused = await send(b)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('without Redis each daemon counts alone (what --redis-url is for)', async () => {
    const [a, b] = await pair({ loginFailuresPerAddress: 2 }, false)
    for (let i = 0; i < 2; i++) expect((await login(a, uniqueEmail(), 'WrongPass1')).status).toBe(401)
    expect((await login(a, uniqueEmail(), 'WrongPass1')).status).toBe(429)
    expect((await login(b, uniqueEmail(), 'WrongPass1')).status).toBe(401)
  })

  it('Redis down: logins go on with per-instance throttles (no 503), and they are shared again once it is back', async () => {
    const [a, b] = await pair({ loginFailuresPerAddress: 2 })
    const account = await registerAccount(a.client)
    await redis().kill()
    try {
      expect((await login(a, account.email, PASSWORD)).status).toBe(200)
      // Per instance meanwhile: A's failures do not count on B.
      for (let i = 0; i < 2; i++) expect((await login(a, uniqueEmail(), 'WrongPass1')).status).toBe(401)
      expect((await login(a, uniqueEmail(), 'WrongPass1')).status).toBe(429)
      expect((await login(b, uniqueEmail(), 'WrongPass1')).status).toBe(401)
    } finally {
      await redis().restart()
    }
    for (const d of [a, b]) {
      await waitFor(async () => ((await d.client.raw('GET', '/health/deep')).body as { status: string }).status === 'healthy', 15_000, 'Redis back')
    }
    // The restarted Redis is empty: a fresh shared count of 2.
    expect((await login(b, uniqueEmail(), 'WrongPass1')).status).toBe(401)
    expect((await login(a, uniqueEmail(), 'WrongPass1')).status).toBe(401)
    expect((await login(b, uniqueEmail(), 'WrongPass1')).status).toBe(429)
  })
})
