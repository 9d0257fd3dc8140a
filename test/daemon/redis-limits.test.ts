import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import { toLimitSpecs } from '../../src/daemon/services/api-keys.js'
import { expectCliError, runCli } from '../helpers/cli.js'
import { accountWithKey, deadPort, log, startTestDaemon, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js'
import { postgresSkipReason, usePostgres } from '../helpers/postgres.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'

// Rate limits shared by the daemons of a team (`--redis-url` with `--database-url`): exact
// across daemons while Redis answers; per instance (one warning, health degraded, /check 503)
// while it does not; shared again by themselves once it is back.

const skip = postgresSkipReason() ?? redisSkipReason()

/** The daemon's warnings about Redis (captured log lines at warn and above). */
function redisWarnings(d: TestDaemon): string[] {
  return d.logLines().filter((l) => l.includes('Redis is unavailable'))
}

async function deep(d: TestDaemon) {
  const r = await d.client.raw('GET', '/health/deep')
  return r.body as {
    status: string
    instance: { id: string; port: number }
    services: Record<string, { status: string; mode?: string; backend?: string; [k: string]: unknown }>
  }
}

describe.skipIf(skip !== null)('rate limits in Redis, across daemons on one PostgreSQL', () => {
  const pg = usePostgres({ fsync: false })
  const redis = useRedis()
  const daemons: TestDaemon[] = []
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.close()))
  })
  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.close()))
  })

  async function daemon(databaseUrl: string, redisUrl: string | undefined = redis().url) {
    const d = await startTestDaemon({ databaseUrl, redisUrl }, { realClock: true, captureLog: true })
    daemons.push(d)
    return d
  }

  it('three daemons share one limit exactly: a key allowed 10 a minute gets 10 requests in all, the 11th refused by whichever daemon gets it', async () => {
    const url = await pg().createDatabase()
    const a = await daemon(url)
    const { account, key } = await accountWithKey(a.client, 'shared')
    await account.client.setKeyLimits(key.key_id, { algorithm: 'fixed_window', tokens_per_second: 10 / 60, burst_capacity: 10 })
    // Started after the change: they load the key's limits from the database.
    const b = await daemon(url)
    const c = await daemon(url)
    const clients: LedgerClient[] = [a, b, c].map((d) => d.client.withCredential(key.full_key))
    const remaining: string[] = []
    for (let i = 0; i < 10; i++) {
      const r = await clients[i % 3]!.raw('POST', '/api/v1/ingest/single', { body: log({ message: `n${i}` }) })
      expect(r.status, JSON.stringify(r.body)).toBe(202)
      remaining.push(String(r.headers['x-ratelimit-remaining']))
    }
    // One count for the three: 9, 8, … 0 whichever daemon answered.
    expect(remaining).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0'])
    for (const client of clients) {
      const r = await client.raw('POST', '/api/v1/ingest/single', { body: log() })
      expect(r.status).toBe(429)
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0)
    }
    // /check on any daemon sees the same empty window.
    for (const d of [a, b, c]) {
      const r = await d.client.raw('POST', '/api/v1/check', { body: { api_key: key.full_key } })
      expect(r.status).toBe(429)
      expect(r.body).toMatchObject({ allowed: false, remaining_tokens: 0, limit: 10 })
    }
    // Each says which daemon it is, and that the limits are shared.
    const ids = new Set<string>()
    for (const d of [a, b, c]) {
      const h = await deep(d)
      expect(h.status).toBe('healthy')
      expect(h.services['rate_limiter']).toMatchObject({ status: 'healthy', backend: 'redis', mode: 'redis (shared)' })
      expect(h.services['redis']).toMatchObject({ status: 'healthy', connection: 'ready' })
      expect(h.services['database']).toMatchObject({ engine: 'postgres' })
      expect(h.instance.id).toBe(`${h.instance.id.split(':')[0]}:${new URL(d.url).port}`)
      ids.add(h.instance.id)
    }
    expect(ids.size).toBe(3)
    expect(redisWarnings(a)).toEqual([])
    // The CLI says which daemon answered and what it shares: health --deep and top.
    const health = await runCli({ home: tempHome(), url: b.url }, 'health', '--deep')
    expect(health.code, health.stderr).toBe(0)
    expect(health.stdout).toMatch(new RegExp(`^  instance: [^ ]+:${new URL(b.url).port}  `, 'm'))
    expect(health.stdout).toMatch(/^ {2}rate_limiter: healthy .*mode=redis \(shared\)/m)
    expect(health.stdout).toMatch(/^ {2}redis: healthy .*connection=ready/m)
    expect(health.stdout).toMatch(/^ {2}database: healthy {2}engine=postgres/m)
    const top = await runCli({ home: tempHome(), url: c.url, env: { LEDGER_TOKEN: account.access_token } }, 'top')
    expect(top.code, top.stderr).toBe(0)
    expect(top.stdout).toMatch(new RegExp(`^Instance: [^ ;]+:${new URL(c.url).port}; database postgres; Redis ok$`, 'm'))
  })

  it('a changed limit applies at once on the daemon that changed it, replacing the running window', async () => {
    const url = await pg().createDatabase()
    const a = await daemon(url)
    const { account, key, keyClient } = await accountWithKey(a.client, 'changed')
    await account.client.setKeyLimits(key.key_id, { algorithm: 'fixed_window', tokens_per_second: 3 / 60, burst_capacity: 3 })
    for (let i = 0; i < 3; i++) expect((await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(202)
    expect((await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(429)
    await account.client.setKeyLimits(key.key_id, { algorithm: 'fixed_window', tokens_per_second: 5 / 60, burst_capacity: 5 })
    const r = await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })
    expect(r.status).toBe(202)
    expect(r.headers['x-ratelimit-limit']).toBe('5')
    expect(r.headers['x-ratelimit-remaining']).toBe('4')
  })

  it('a limit change on one daemon reaches another by itself (the bus calls limiter.loadLimits) and applies there on the same shared window', async () => {
    const url = await pg().createDatabase()
    const a = await daemon(url)
    const b = await daemon(url)
    const { account, key } = await accountWithKey(a.client, 'told')
    const [ka, kb] = [a, b].map((d) => d.client.withCredential(key.full_key))
    // B has the defaults until it is told.
    expect(b.services.limiter.limitsOf(key.key_id)[0]!.capacity).toBe(1000)
    const input = { algorithm: 'fixed_window', tokens_per_second: 4 / 60, burst_capacity: 4 } as const
    await account.client.setKeyLimits(key.key_id, input)
    expect((await ka!.raw('POST', '/api/v1/ingest/single', { body: log() })).headers['x-ratelimit-remaining']).toBe('3')
    // Told over PostgreSQL's LISTEN/NOTIFY, within a second. (A check under other limits than
    // the stored state's starts that state afresh: until every daemon is told, a stale one
    // would reset the window.)
    await waitFor(() => b.services.limiter.limitsOf(key.key_id)[0]!.capacity === 4, 1000, 'B to hear of the new limits')
    expect(b.services.limiter.limitsOf(key.key_id)).toEqual(toLimitSpecs(input))
    // Told: the window A started (not a fresh one), whichever daemon draws from it.
    const r = await kb!.raw('POST', '/api/v1/ingest/single', { body: log() })
    expect([r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining']]).toEqual(['4', '2'])
    expect((await ka!.raw('POST', '/api/v1/ingest/single', { body: log() })).headers['x-ratelimit-remaining']).toBe('1')
    expect((await kb!.raw('POST', '/api/v1/ingest/single', { body: log() })).headers['x-ratelimit-remaining']).toBe('0')
    expect((await ka!.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(429)
    expect((await kb!.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(429)
  })

  it('Redis killed under a running daemon: ingestion goes on (202, per-instance limits), one warning, health degraded, /check 503 with Retry-After; Redis back: shared again without a restart', async () => {
    const url = await pg().createDatabase()
    const d = await daemon(url)
    const { account, key, keyClient } = await accountWithKey(d.client, 'fault')
    const token = account.access_token
    expect((await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(202)
    await redis().kill()
    try {
      for (let i = 0; i < 20; i++) {
        const r = await keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ message: `down ${i}` }) })
        expect(r.status, JSON.stringify(r.body)).toBe(202)
        // The headers come from the per-instance limiter meanwhile.
        expect(r.headers['x-ratelimit-limit']).toBe('1000')
      }
      expect(redisWarnings(d)).toHaveLength(1)
      const h = await deep(d)
      expect(h.status).toBe('degraded')
      expect(h.services['redis']).toMatchObject({ status: 'degraded' })
      expect(h.services['rate_limiter']).toMatchObject({ status: 'degraded', mode: 'memory (per instance)' })
      const check = await d.client.raw('POST', '/api/v1/check', { body: { api_key: key.full_key } })
      expect(check.status).toBe(503)
      expect(Number(check.headers['retry-after'])).toBeGreaterThan(0)
      expect(check.body).toEqual({ detail: expect.stringContaining('rate limiter is unavailable') })
      const top = await runCli({ home: tempHome(), url: d.url, env: { LEDGER_TOKEN: token } }, 'top')
      expect(top.stdout).toMatch(/^Instance: .*; database postgres; Redis down$/m)
      const health = await runCli({ home: tempHome(), url: d.url }, 'health', '--deep')
      expect(health.code).toBe(1)
      expect(health.stdout).toMatch(/^ {2}redis: degraded /m)
      // Still one warning after all of that.
      expect(redisWarnings(d)).toHaveLength(1)
    } finally {
      await redis().restart()
    }
    await waitFor(async () => (await deep(d)).status === 'healthy', 15_000, 'health healthy again')
    expect((await deep(d)).services['rate_limiter']).toMatchObject({ status: 'healthy', mode: 'redis (shared)' })
    const check = await d.client.raw('POST', '/api/v1/check', { body: { api_key: key.full_key } })
    expect(check.status).toBe(200)
    // The restarted Redis is empty: the key's shared bucket starts full again.
    expect(check.body).toMatchObject({ allowed: true, remaining_tokens: 999 })
    expect((await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(202)
    expect(redisWarnings(d)).toHaveLength(1)
  })

  it('Redis unreachable at start: the daemon starts on per-instance limits, warns once, and says so in health', async () => {
    const url = await pg().createDatabase()
    const d = await daemon(url, `redis://127.0.0.1:${await deadPort()}`)
    const { keyClient } = await accountWithKey(d.client, 'nostart')
    for (let i = 0; i < 3; i++) expect((await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(202)
    expect(redisWarnings(d)).toHaveLength(1)
    const h = await deep(d)
    expect(h.status).toBe('degraded')
    expect(h.services['rate_limiter']).toMatchObject({ mode: 'memory (per instance)' })
  })

  it('PostgreSQL without Redis: one warning that limits are per instance, and health says so (not a fault)', async () => {
    const url = await pg().createDatabase()
    const d = await startTestDaemon({ databaseUrl: url }, { realClock: true, captureLog: true })
    daemons.push(d)
    const { keyClient } = await accountWithKey(d.client, 'alone')
    for (let i = 0; i < 3; i++) expect((await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(202)
    expect(d.logLines().filter((l) => l.includes('rate limits and login/registration throttles are per instance'))).toHaveLength(1)
    const h = await deep(d)
    expect(h.status).toBe('healthy')
    expect(h.services['rate_limiter']).toMatchObject({ backend: 'memory', mode: 'memory (per instance)' })
    expect(h.services['redis']).toMatchObject({ status: 'not configured' })
  })
})

describe('Redis without PostgreSQL', () => {
  it('is refused by `daemon run` with one line saying why (one SQLite file is one daemon), exit 2 (a usage error)', async () => {
    const home = tempHome()
    const r = await runCli({ home, env: { LEDGER_DATABASE_URL: undefined } }, 'daemon', 'run', '--port', '0', '--redis-url', 'redis://127.0.0.1:6379')
    expectCliError(r, 2, '--redis-url', '--database-url', 'one SQLite file is one daemon')
  })

  it('is refused from LEDGER_REDIS_URL the same way', async () => {
    const home = tempHome()
    const r = await runCli({ home, env: { LEDGER_REDIS_URL: 'redis://127.0.0.1:6379', LEDGER_DATABASE_URL: undefined } }, 'daemon', 'run', '--port', '0')
    expectCliError(r, 2, 'LEDGER_REDIS_URL', 'one SQLite file is one daemon')
  })
})
