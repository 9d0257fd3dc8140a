import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiKey } from '../../src/contract/api-keys.js'
import { accountWithKey, log, registerAccount, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { onPostgres } from '../helpers/test-storage.js'

const ADMIN = 'admin-token-0123456789'

describe('API key management (seeds 001, 002)', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon({ adminToken: ADMIN })
  })
  afterAll(async () => {
    await d.close()
  })

  it('lists the caller’s keys, paged, without ever showing the full key', async () => {
    const { account, project, key } = await accountWithKey(d.client, 'list-a')
    const p2 = await account.client.createProject({ name: 'B', slug: 'list-b' })
    for (let i = 0; i < 11; i++) await account.client.createApiKey(p2.project_id, { name: `k${i}`, description: `d${i}` })
    const page1 = await account.client.raw('GET', '/api/v1/api-keys')
    expect(page1.status).toBe(200)
    const body = page1.body as { api_keys: ApiKey[]; total: number; page: number; size: number }
    expect(body).toMatchObject({ total: 12, page: 1, size: 10 })
    expect(body.api_keys).toHaveLength(10)
    expect(JSON.stringify(page1.body)).not.toContain(key.full_key)
    expect(body.api_keys[0]).toMatchObject({ name: 'k10', description: 'd10', project_id: p2.project_id, is_active: true })
    const page2 = await account.client.listApiKeys({ page: 2 })
    expect(page2.api_keys.map((k) => k.name)).toEqual(['k0', 'test key'])
    const ofProject = await account.client.listApiKeys({ projectId: project.project_id })
    expect(ofProject.api_keys.map((k) => k.id)).toEqual([key.key_id])
    for (const q of ['size=0', 'size=101', 'page=0', 'page=x']) {
      expect((await account.client.raw('GET', `/api/v1/api-keys?${q}`)).status, q).toBe(400)
    }
    const other = await registerAccount(d.client)
    expect((await other.client.raw('GET', `/api/v1/projects/${project.project_id}/api-keys`)).status).toBe(403)
    expect((await other.client.raw('GET', '/api/v1/projects/999999/api-keys')).status).toBe(404)
    expect((await other.client.listApiKeys()).total).toBe(0)
  })

  it('shows a key’s latest calls, last_used and usage_count at once, and still after the flush', async () => {
    const { account, key, keyClient } = await accountWithKey(d.client, 'usage')
    await keyClient.ingestSingle(log())
    await keyClient.raw('POST', '/api/v1/ingest/single', { body: { bad: true } })
    await keyClient.queueDepth()
    const before = await account.client.getApiKey(key.key_id)
    expect(before.usage_count).toBe(3)
    expect(before.last_used).not.toBeNull()
    expect(before.usage.map((u) => [u.method, u.endpoint, u.status_code])).toEqual([
      ['GET', '/api/v1/queue/depth', 200],
      ['POST', '/api/v1/ingest/single', 400],
      ['POST', '/api/v1/ingest/single', 202],
    ])
    expect(before.usage[0]!.response_time).toBeGreaterThan(0)
    await d.services.keyStats.flush()
    // Written to the database, and no longer held in memory.
    expect(d.services.keyStats.pendingCounters(key.key_id)).toBeUndefined()
    expect((await d.sql('SELECT usage_count, success_count FROM api_keys WHERE id = ?', key.key_id))[0]).toEqual({
      usage_count: 3,
      success_count: 2,
    })
    expect((await d.sql('SELECT count(*) AS n FROM api_key_usage WHERE key_id = ?', key.key_id))[0]).toEqual({ n: 3 })
    const after = await account.client.getApiKey(key.key_id)
    expect(after.usage_count).toBe(3)
    expect(after.usage.map((u) => u.status_code)).toEqual([200, 400, 202])
    const other = await registerAccount(d.client)
    expect((await other.client.raw('GET', `/api/v1/api-keys/${key.key_id}`)).status).toBe(403)
    expect((await other.client.raw('GET', '/api/v1/api-keys/999999')).status).toBe(404)
  })

  // SQLite-specific: its steps are timed against storage that answers within one turn of the event loop.
  it.skipIf(onPostgres)('the periodic flush writes each key’s calls in its own step, and reads see every call exactly once throughout', async () => {
    const { account, project } = await accountWithKey(d.client, 'steps')
    const keys: Array<{ key_id: number }> = []
    for (let i = 0; i < 4; i++) {
      const key = await account.client.createApiKey(project.project_id, { name: `step ${i}` })
      const c = d.client.withCredential(key.full_key)
      for (let n = 0; n <= i; n++) await c.queueDepth()
      keys.push(key)
    }
    const history = async () => Promise.all(keys.map(async (k) => (await account.client.getApiKey(k.key_id)).usage.length))
    const written = () =>
      keys.map((k) => (d.inspect().prepare('SELECT count(*) AS n FROM api_key_usage WHERE key_id = ?').get(k.key_id) as { n: number }).n)
    const flushing = d.services.keyStats.flushInSteps()
    // Its first step (storage answers asynchronously) is done when the event loop next turns.
    await new Promise((r) => setImmediate(r))
    // The counters at once; the calls of at most one key so far.
    expect(d.services.keyStats.pendingCounters(keys[0]!.key_id)).toBeUndefined()
    expect(written().filter((n) => n > 0).length).toBeLessThanOrEqual(1)
    for (let turn = 0; turn < 10; turn++) {
      expect(await history()).toEqual([1, 2, 3, 4])
      await new Promise((r) => setImmediate(r))
    }
    expect(written()).toEqual([1, 2, 3, 4])
    expect(keys.map((k) => d.services.keyStats.pendingUsage(k.key_id).length)).toEqual([0, 0, 0, 0])
    await flushing
  })

  it('updates name and description, disables (401) and re-enables a key; a revoked key stays revoked (409)', async () => {
    const { account, key, keyClient } = await accountWithKey(d.client, 'update')
    const renamed = await account.client.updateApiKey(key.key_id, { name: 'renamed', description: 'for CI' })
    expect(renamed).toMatchObject({ name: 'renamed', description: 'for CI', is_active: true })
    await account.client.updateApiKey(key.key_id, { is_active: false })
    expect((await keyClient.raw('GET', '/api/v1/queue/depth')).status).toBe(401)
    await account.client.updateApiKey(key.key_id, { is_active: true })
    expect((await keyClient.raw('GET', '/api/v1/queue/depth')).status).toBe(200)
    expect((await account.client.raw('PUT', `/api/v1/api-keys/${key.key_id}`, { body: { colour: 'red' } })).status).toBe(400)
    const other = await registerAccount(d.client)
    expect((await other.client.raw('PUT', `/api/v1/api-keys/${key.key_id}`, { body: { name: 'x' } })).status).toBe(403)
    await account.client.revokeApiKey(key.key_id)
    const again = await account.client.raw('PUT', `/api/v1/api-keys/${key.key_id}`, { body: { is_active: true } })
    expect(again.status).toBe(409)
    expect((await keyClient.raw('GET', '/api/v1/queue/depth')).status).toBe(401)
  })

  it('shows the default limits, and a token bucket allows exactly burst_capacity then refills at tokens_per_second', async () => {
    const { account, key, keyClient } = await accountWithKey(d.client, 'bucket')
    expect(await account.client.getKeyLimits(key.key_id)).toEqual({
      algorithm: 'token_bucket',
      tokens_per_second: 16.667,
      burst_capacity: 1000,
      hourly_limit: 50000,
      is_default: true,
    })
    await keyClient.queueDepth() // some default tokens spent: the new bucket must start full anyway
    const set = await account.client.setKeyLimits(key.key_id, { algorithm: 'token_bucket', tokens_per_second: 1, burst_capacity: 5 })
    expect(set).toEqual({ algorithm: 'token_bucket', tokens_per_second: 1, burst_capacity: 5, is_default: false })
    for (let i = 0; i < 5; i++) {
      const r = await keyClient.raw('GET', '/api/v1/queue/depth')
      expect(r.status).toBe(200)
      expect(r.headers['x-ratelimit-limit']).toBe('5')
    }
    const refused = await keyClient.raw('GET', '/api/v1/queue/depth')
    expect(refused.status).toBe(429)
    expect(refused.headers['retry-after']).toBe('1')
    d.clock.advance(1000)
    expect((await keyClient.raw('GET', '/api/v1/queue/depth')).status).toBe(200)
    expect((await keyClient.raw('GET', '/api/v1/queue/depth')).status).toBe(429)
  })

  it('enforces a fixed window: burst_capacity per window of burst/tokens_per_second seconds', async () => {
    const { account, key, keyClient } = await accountWithKey(d.client, 'window')
    await account.client.setKeyLimits(key.key_id, { algorithm: 'fixed_window', tokens_per_second: 1, burst_capacity: 3 })
    const statuses = async (n: number) => {
      const out: number[] = []
      for (let i = 0; i < n; i++) out.push((await keyClient.raw('GET', '/api/v1/queue/depth')).status)
      return out
    }
    expect(await statuses(4)).toEqual([200, 200, 200, 429])
    d.clock.advance(3000)
    expect(await statuses(4)).toEqual([200, 200, 200, 429])
  })

  it('refuses limits out of bounds (400)', async () => {
    const { account, key } = await accountWithKey(d.client, 'bounds')
    for (const body of [
      { algorithm: 'token_bucket', tokens_per_second: 0, burst_capacity: 5 },
      { algorithm: 'token_bucket', tokens_per_second: -1, burst_capacity: 5 },
      { algorithm: 'token_bucket', tokens_per_second: 1_000_001, burst_capacity: 5 },
      { algorithm: 'token_bucket', tokens_per_second: 'x', burst_capacity: 5 },
      { algorithm: 'token_bucket', tokens_per_second: 1, burst_capacity: 0 },
      { algorithm: 'token_bucket', tokens_per_second: 1, burst_capacity: 1.5 },
      { algorithm: 'token_bucket', tokens_per_second: 1, burst_capacity: 1_000_001 },
      { algorithm: 'leaky', tokens_per_second: 1, burst_capacity: 5 },
    ]) {
      const r = await account.client.raw('PUT', `/api/v1/api-keys/${key.key_id}/limits`, { body })
      expect(r.status, JSON.stringify(body)).toBe(400)
    }
  })

  it('answers /check from the key’s own bucket with no header: 200, then 429 with the same shape', async () => {
    const { account, key } = await accountWithKey(d.client, 'check')
    await account.client.setKeyLimits(key.key_id, { algorithm: 'token_bucket', tokens_per_second: 1, burst_capacity: 10 })
    const check = (body: unknown) => d.client.raw('POST', '/api/v1/check', { body })
    const a = await check({ api_key: key.full_key, cost: 4 })
    expect(a.status).toBe(200)
    expect(a.body).toEqual({ allowed: true, remaining_tokens: 6, limit: 10, reset_in_seconds: 4 })
    expect((await check({ api_key: key.full_key, cost: 6 })).body).toMatchObject({ allowed: true, remaining_tokens: 0 })
    const no = await check({ api_key: key.full_key })
    expect(no.status).toBe(429)
    expect(no.body).toMatchObject({ allowed: false, remaining_tokens: 0, limit: 10 })
    expect(no.headers['retry-after']).toBe('1')
    for (const body of [{ api_key: key.full_key, cost: 11 }, { api_key: key.full_key, cost: 0 }, { api_key: key.full_key, cost: 1.5 }, { api_key: key.full_key, cost: 'x' }, {}, { api_key: 5 }]) {
      expect((await check(body)).status, JSON.stringify(body)).toBe(400)
    }
    const forged = `${key.full_key.slice(0, -1)}${key.full_key.endsWith('A') ? 'B' : 'A'}`
    expect((await check({ api_key: forged })).status).toBe(401)
    expect((await check({ api_key: 'ldg_proj_1_nope' })).status).toBe(401)
    await account.client.revokeApiKey(key.key_id)
    expect((await check({ api_key: key.full_key })).status).toBe(401)
  })

  it('counts allowed and throttled requests per minute, adding up to the requests made, before and after the flush', async () => {
    const { account, key, keyClient } = await accountWithKey(d.client, 'metrics')
    await account.client.setKeyLimits(key.key_id, { algorithm: 'token_bucket', tokens_per_second: 0.001, burst_capacity: 3 })
    const start = d.clock.now
    for (let i = 0; i < 5; i++) await keyClient.raw('GET', '/api/v1/queue/depth')
    d.clock.advance(60_000)
    for (let i = 0; i < 2; i++) await keyClient.raw('GET', '/api/v1/queue/depth')
    const from = new Date(Math.floor(start / 60_000) * 60_000).toISOString()
    const to = new Date(Math.floor(start / 60_000) * 60_000 + 10 * 60_000).toISOString()
    const m = await account.client.keyMetrics(key.key_id, from, to)
    expect(m.allowed_count).toBe(3)
    expect(m.throttled_count).toBe(4)
    expect(m.time_series).toHaveLength(10)
    expect(m.time_series.slice(0, 2).map((b) => [b.allowed, b.throttled])).toEqual([
      [3, 2],
      [0, 2],
    ])
    await d.services.keyStats.flush()
    expect(d.services.keyStats.pendingMinutes(key.key_id, 0, Number.MAX_SAFE_INTEGER)).toEqual([])
    expect(
      await d.sql('SELECT allowed, throttled FROM api_key_metrics WHERE key_id = ? ORDER BY minute', key.key_id),
    ).toEqual([
      { allowed: 3, throttled: 2 },
      { allowed: 0, throttled: 2 },
    ])
    expect(await account.client.keyMetrics(key.key_id, from, to)).toEqual(m)
    // Beyond a day: hourly buckets (a range on whole hours: exactly 48 of them).
    const hour = new Date(Math.floor(start / 3_600_000) * 3_600_000)
    const twoDays = await account.client.keyMetrics(
      key.key_id,
      hour.toISOString(),
      new Date(hour.getTime() + 2 * 86_400_000).toISOString(),
    )
    expect(twoDays.time_series).toHaveLength(48)
    expect(twoDays.allowed_count + twoDays.throttled_count).toBe(7)
    for (const q of ['', `from=${from}`, `from=yesterday&to=${to}`, `from=${to}&to=${from}`]) {
      expect((await account.client.raw('GET', `/api/v1/api-keys/${key.key_id}/metrics?${q}`)).status, q).toBe(400)
    }
    const other = await registerAccount(d.client)
    expect((await other.client.raw('GET', `/api/v1/api-keys/${key.key_id}/metrics?from=${from}&to=${to}`)).status).toBe(403)
  })

  it('sums the caller’s keys in the dashboard stats', async () => {
    const { account, keyClient } = await accountWithKey(d.client, 'stats')
    await keyClient.ingestSingle(log())
    await keyClient.ingestSingle(log())
    await keyClient.raw('POST', '/api/v1/ingest/single', { body: {} })
    await keyClient.raw('POST', '/api/v1/ingest/single', { body: {} })
    const s = await account.client.dashboardStats()
    expect(s.active_api_keys).toBe(1)
    expect(s.total_api_calls).toBe(4)
    expect(s.api_usage.success_rate).toBe(50)
    expect(s.api_usage.avg_response_time).toBeGreaterThan(0)
    expect(s.api_keys).toHaveLength(1)
  })

  it('lets the admin list and manage every key with X-Admin-Token, and nobody else', async () => {
    const a = await accountWithKey(d.client, 'admin-a')
    const b = await accountWithKey(d.client, 'admin-b')
    const admin = { 'x-admin-token': ADMIN }
    const all = await d.client.raw('GET', '/api/v1/admin/api-keys', { headers: admin, query: { size: 100 } })
    expect(all.status).toBe(200)
    const ids = (all.body as { api_keys: ApiKey[] }).api_keys.map((k) => k.id)
    expect(ids).toEqual(expect.arrayContaining([a.key.key_id, b.key.key_id]))
    const put = await d.client.raw('PUT', `/api/v1/admin/api-keys/${a.key.key_id}/limits`, {
      headers: admin,
      body: { algorithm: 'fixed_window', tokens_per_second: 2, burst_capacity: 20 },
    })
    expect(put.status).toBe(200)
    expect((await a.account.client.getKeyLimits(a.key.key_id)).burst_capacity).toBe(20)
    const from = new Date(d.clock.now - 60_000).toISOString()
    const to = new Date(d.clock.now + 60_000).toISOString()
    expect((await d.client.raw('GET', `/api/v1/admin/api-keys/${b.key.key_id}/metrics`, { headers: admin, query: { from, to } })).status).toBe(200)
    for (const headers of [{}, { 'x-admin-token': 'wrong-token-0123456789' }] as Array<Record<string, string>>) {
      expect((await d.client.raw('GET', '/api/v1/admin/api-keys', { headers })).status).toBe(401)
    }
    expect((await a.account.client.raw('GET', '/api/v1/admin/api-keys')).status).toBe(401)
    expect((await a.keyClient.raw('GET', '/api/v1/admin/api-keys')).status).toBe(401)
  })
})

describe('admin endpoints without a configured admin token', () => {
  it('answer 401 to any X-Admin-Token', async () => {
    const d = await startTestDaemon()
    try {
      const r = await d.client.raw('GET', '/api/v1/admin/api-keys', { headers: { 'x-admin-token': ADMIN } })
      expect(r.status).toBe(401)
    } finally {
      await d.close()
    }
  })
})
