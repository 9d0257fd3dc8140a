import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Log } from '../../src/contract/ingest.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { onPostgres } from '../helpers/test-storage.js'

const DAY = 86_400_000

describe('ingestion engine over HTTP', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon()
  })
  afterAll(async () => {
    await d.close()
  })

  it('rate-limits each key at 1000 requests per minute with headers on every response, and refills with the clock', async () => {
    const a = await accountWithKey(d.client, 'rl-a')
    const b = await accountWithKey(d.client, 'rl-b')
    let last = await a.keyClient.raw('GET', '/api/v1/queue/depth')
    expect(last.headers['x-ratelimit-limit']).toBe('1000')
    expect(last.headers['x-ratelimit-remaining']).toBe('999')
    expect(Number(last.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor(d.clock.now / 1000))
    for (let i = 1; i < 1000; i++) {
      last = await a.keyClient.raw('GET', '/api/v1/queue/depth')
      expect(last.status).toBe(200)
    }
    expect(last.headers['x-ratelimit-remaining']).toBe('0')
    const refused = await a.keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })
    expect(refused.status).toBe(429)
    expect(refused.body).toEqual({ detail: 'Rate limit exceeded: 1000 requests per minute' })
    expect(refused.headers['retry-after']).toBe('1')
    expect(refused.headers['x-ratelimit-remaining']).toBe('0')
    // Nothing of the refused request was stored.
    expect((await a.account.client.logs({ project_id: String(a.project.project_id) })).logs).toHaveLength(0)

    // Another key is untouched.
    const other = await b.keyClient.raw('GET', '/api/v1/queue/depth')
    expect(other.status).toBe(200)
    expect(other.headers['x-ratelimit-remaining']).toBe('999')

    // Invalid keys are refused before the limiter and consume nothing of anyone's.
    const forged = `${a.key.full_key.slice(0, -1)}${a.key.full_key.endsWith('A') ? 'B' : 'A'}`
    expect((await d.client.withCredential(forged).raw('GET', '/api/v1/queue/depth')).status).toBe(401)

    // 60 ms later one token has refilled; a minute later the bucket is full.
    d.clock.advance(60)
    expect((await a.keyClient.raw('GET', '/api/v1/queue/depth')).status).toBe(200)
    expect((await a.keyClient.raw('GET', '/api/v1/queue/depth')).status).toBe(429)
    d.clock.advance(60_000)
    const full = await a.keyClient.raw('GET', '/api/v1/queue/depth')
    expect(full.status).toBe(200)
    expect(full.headers['x-ratelimit-remaining']).toBe('999')
  })

  it('returns the stored logs newest first with every field, including ones still queued', async () => {
    const { keyClient } = await accountWithKey(d.client, 'read-back')
    d.services.queue.pause()
    try {
      await keyClient.ingestBatch([
        log({ timestamp: '2025-10-17T10:00:00Z', message: 'first', attributes: { user_id: '1' } }),
        log({
          timestamp: '2025-10-17T10:00:02.5Z',
          level: 'error',
          log_type: 'exception',
          importance: 'high',
          message: 'second',
          error_type: 'ConnectionError',
          error_message: 'refused',
          stack_trace: 'at x',
          environment: 'production',
          release: 'v1.2.3',
          sdk_version: '1.0.0',
          platform: 'node',
          platform_version: '20',
        }),
      ])
      const page = await keyClient.logs()
      expect(page.next_cursor).toBeNull()
      expect(page.logs.map((l) => l.message)).toEqual(['second', 'first'])
      expect(page.logs[0]).toMatchObject({
        timestamp: '2025-10-17T10:00:02.500Z',
        level: 'error',
        log_type: 'exception',
        importance: 'high',
        error_type: 'ConnectionError',
        error_message: 'refused',
        stack_trace: 'at x',
        environment: 'production',
        release: 'v1.2.3',
        sdk_version: '1.0.0',
        platform: 'node',
        platform_version: '20',
        attributes: null,
      })
      expect(page.logs[1]).toMatchObject({ timestamp: '2025-10-17T10:00:00Z', attributes: { user_id: '1' } })
    } finally {
      d.services.queue.resume()
    }
    // Once processed, the same logs with the same ids.
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0)
    const after = await keyClient.logs()
    expect(after.logs.map((l) => l.message)).toEqual(['second', 'first'])
  })

  it('filters by level (one or several), from and to, and validates the query', async () => {
    const { keyClient } = await accountWithKey(d.client, 'filters')
    await keyClient.ingestBatch(
      ['debug', 'info', 'warning', 'error', 'critical'].map((level, i) =>
        log({ level, message: level, timestamp: `2025-10-17T10:00:0${i}Z` }),
      ),
    )
    const msgs = async (q: Record<string, string>) => (await keyClient.logs(q)).logs.map((l) => l.message)
    expect(await msgs({ level: 'error' })).toEqual(['error'])
    expect(await msgs({ level: 'error,critical' })).toEqual(['critical', 'error'])
    const repeated = await keyClient.raw('GET', '/api/v1/logs?level=debug&level=info')
    expect((repeated.body as { logs: Log[] }).logs.map((l) => l.message)).toEqual(['info', 'debug'])
    expect(await msgs({ from: '2025-10-17T10:00:01Z', to: '2025-10-17T10:00:03Z' })).toEqual([
      'error',
      'warning',
      'info',
    ])
    for (const [query, field] of [
      ['level=fatal', 'level'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['from=yesterday', 'from'],
      ['cursor=garbage', 'cursor'],
    ] as const) {
      const r = await keyClient.raw('GET', `/api/v1/logs?${query}`)
      expect(r.status, query).toBe(400)
      expect((r.body as { detail: string }).detail).toContain(field)
    }
  })

  it('reads with an access token and project_id, only for the caller’s own projects', async () => {
    const mine = await accountWithKey(d.client, 'token-read')
    const theirs = await accountWithKey(d.client, 'token-read')
    await mine.keyClient.ingestSingle(log({ message: 'mine' }))
    const own = await mine.account.client.logs({ project_id: String(mine.project.project_id) })
    expect(own.logs.map((l) => l.message)).toEqual(['mine'])
    const missing = await mine.account.client.raw('GET', '/api/v1/logs')
    expect(missing.status).toBe(400)
    const foreign = await mine.account.client.raw(
      'GET',
      `/api/v1/logs?project_id=${theirs.project.project_id}`,
    )
    expect(foreign.status).toBe(404)
  })

  it('pages with next_cursor without gaps or repeats while new logs keep arriving', async () => {
    const { keyClient } = await accountWithKey(d.client, 'paging')
    const base = Date.parse('2025-10-17T10:00:00Z')
    const first = Array.from({ length: 250 }, (_, i) =>
      // Repeated timestamps on purpose: ties are broken by id.
      log({ message: `old-${i}`, timestamp: new Date(base + Math.floor(i / 3) * 1000).toISOString() }),
    )
    await keyClient.ingestBatch(first)
    const seen: string[] = []
    let cursor: string | undefined
    let round = 0
    do {
      const page = await keyClient.logs({ limit: '40', ...(cursor ? { cursor } : {}) })
      seen.push(...page.logs.map((l) => l.message ?? ''))
      // Meanwhile: newer logs, and logs older than the page just read (a backfill).
      await keyClient.ingestBatch([
        log({ message: `new-${round}`, timestamp: new Date(base + 10_000_000 + round).toISOString() }),
      ])
      cursor = page.next_cursor ?? undefined
      round++
    } while (cursor)
    const old = seen.filter((m) => m.startsWith('old-'))
    expect(old).toHaveLength(250)
    expect(new Set(seen).size).toBe(seen.length)
  })

  it('replays a retried request with the same Idempotency-Key instead of storing it twice', async () => {
    const { keyClient } = await accountWithKey(d.client, 'idem')
    const body = { logs: [log({ message: 'once' }), log({ message: 'only once' })] }
    const headers = { 'idempotency-key': 'batch-0001' }
    const first = await keyClient.raw('POST', '/api/v1/ingest/batch', { body, headers })
    const [again1, again2] = await Promise.all([
      keyClient.raw('POST', '/api/v1/ingest/batch', { body, headers }),
      keyClient.raw('POST', '/api/v1/ingest/batch', { body, headers }),
    ])
    expect(first.status).toBe(202)
    for (const r of [again1, again2]) {
      expect(r.status).toBe(202)
      expect(r.body).toEqual(first.body)
      expect(r.headers['idempotent-replayed']).toBe('true')
    }
    expect((await keyClient.logs()).logs).toHaveLength(2)
    const changed = await keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs: [log()] }, headers })
    expect(changed.status).toBe(409)
    // Kept 24 hours: after that the key is new again.
    d.clock.advance(DAY + 1000)
    await d.services.maintenance.runOnce()
    const later = await keyClient.raw('POST', '/api/v1/ingest/batch', { body, headers })
    expect(later.headers['idempotent-replayed']).toBeUndefined()
    expect((await keyClient.logs()).logs).toHaveLength(4)
  })

  it('accepts gzip-encoded bodies and refuses corrupt gzip (400) and unknown encodings (415)', async () => {
    const { keyClient } = await accountWithKey(d.client, 'gzip')
    const json = JSON.stringify({
      logs: Array.from({ length: 200 }, (_, i) => log({ message: `zipped ${i}` })),
    })
    const ok = await keyClient.raw('POST', '/api/v1/ingest/batch', {
      rawBody: gzipSync(json),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    expect(ok.status).toBe(202)
    expect(ok.body).toMatchObject({ accepted: 200, rejected: 0 })
    const corrupt = await keyClient.raw('POST', '/api/v1/ingest/batch', {
      rawBody: Buffer.from('definitely not gzip'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    expect(corrupt.status).toBe(400)
    const br = await keyClient.raw('POST', '/api/v1/ingest/batch', {
      rawBody: Buffer.from(json),
      headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
    })
    expect(br.status).toBe(415)
  })

  it('accepts a batch body of up to 10 MiB and answers 413 above, also when gzip inflates past it', async () => {
    const { keyClient } = await accountWithKey(d.client, 'big')
    const big = 'x'.repeat(9_400)
    const nearLimit = JSON.stringify({ logs: Array.from({ length: 1000 }, () => log({ message: big })) })
    expect(nearLimit.length).toBeGreaterThan(9 * 1024 * 1024)
    expect(nearLimit.length).toBeLessThan(10 * 1024 * 1024)
    const ok = await keyClient.raw('POST', '/api/v1/ingest/batch', {
      rawBody: nearLimit,
      headers: { 'content-type': 'application/json' },
    })
    expect(ok.status).toBe(202)
    const bomb = gzipSync(Buffer.alloc(11 * 1024 * 1024, 0x20))
    const r = await keyClient.raw('POST', '/api/v1/ingest/batch', {
      rawBody: bomb,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    expect(r.status).toBe(413)
  })

  it("enforces the project's daily quota: a batch crossing it is cut per log, then 429 until the next UTC day", async () => {
    const { account, keyClient } = await accountWithKey(d.client, 'quota')
    await account.client.updateProject('quota', { daily_quota: 5 })
    const r = await keyClient.ingestBatch(Array.from({ length: 7 }, (_, i) => log({ message: `q${i}` })))
    expect(r.accepted).toBe(5)
    expect(r.rejected).toBe(2)
    expect(r.errors).toEqual(['Log 5: daily quota of 5 logs reached', 'Log 6: daily quota of 5 logs reached'])
    const refused = await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })
    expect(refused.status).toBe(429)
    expect((refused.body as { detail: string }).detail).toMatch(/quota/i)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(86_400)
    d.clock.advance(DAY)
    expect((await keyClient.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(202)
  })

  it('deletes logs received more than retention_days ago and keeps the rest', async () => {
    const { account, keyClient } = await accountWithKey(d.client, 'retention')
    await account.client.updateProject('retention', { retention_days: 2 })
    await keyClient.ingestBatch([log({ message: 'retired one' }), log({ message: 'retired two' })])
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0)
    d.clock.advance(DAY + 1000)
    await keyClient.ingestSingle(log({ message: 'recent' }))
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0)
    d.clock.advance(DAY + 1000)
    const report = await d.services.maintenance.runOnce()
    expect(report.logs_deleted).toBe(2)
    expect((await keyClient.logs()).logs.map((l) => l.message)).toEqual(['recent'])
    // Out of SQLite's separate full-text index too (PostgreSQL's log_search: test/storage/postgres/engine.test.ts).
    if (!onPostgres) {
      const db = d.inspect()
      expect(db.prepare("SELECT count(*) AS n FROM logs_fts WHERE logs_fts MATCH 'retired'").get()).toEqual({
        n: 0,
      })
    }
  })
})
