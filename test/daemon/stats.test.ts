import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LedgerClient } from '../../src/client/index.js'
import { type Overview, SERIES_SECONDS } from '../../src/contract/stats.js'
import { buildApp } from '../../src/daemon/app.js'
import { DaemonConfigSchema } from '../../src/daemon/config.js'
import { packageVersion } from '../../src/shared/version.js'
import { expectError } from '../helpers/assertions.js'
import {
  accountWithKey,
  log,
  registerAccount,
  startTestDaemon,
  type TestDaemon,
  tempHome,
  waitFor,
} from '../helpers/daemon.js'

const logs = (n: number, level = 'info', extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => log({ level, message: `${level} ${i}`, ...extra }))

describe('GET /api/v1/stats/overview', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon({ queueCapacity: 500 })
  })
  afterAll(async () => {
    await d.close()
  })

  /** Runs `fn` with the queue worker paused, and always resumes it. */
  async function paused<T>(fn: () => Promise<T>): Promise<T> {
    d.services.queue.pause()
    try {
      return await fn()
    } finally {
      d.services.queue.resume()
    }
  }

  it('answers an empty account with zeros, a full-length series and the daemon itself', async () => {
    const { client } = await registerAccount(d.client)
    const o = await client.statsOverview()
    expect(o.daemon.version).toBe(packageVersion())
    expect(o.daemon.status).toBe('healthy')
    expect(o.daemon.worker_running).toBe(true)
    expect(o.ingest).toEqual({
      logs_per_second: 0,
      accepted_5m: 0,
      errors_5m: 0,
      queue_depth: 0,
      series: new Array(SERIES_SECONDS).fill(0),
    })
    expect(o.projects).toEqual([])
    expect(o.keys).toEqual([])
    expect(o.recent_errors).toEqual([])
    expect(o.project).toBeNull()
    const before = o.daemon.uptime_seconds
    d.clock.advance(5_000)
    const later = await client.statsOverview()
    expect(later.daemon.uptime_seconds).toBe(before + 5)
    expect(Date.parse(later.daemon.now)).toBe(d.clock.now)
  })

  it('counts what each project was sent: rates, series, 5-minute totals and errors add up', async () => {
    const a = await accountWithKey(d.client, 'stats-a')
    const b = await a.account.client.createProject({ name: 'B', slug: 'stats-b' })
    const bKey = d.client.withCredential(
      (await a.account.client.createApiKey(b.project_id, { name: 'b key' })).full_key,
    )
    await a.keyClient.ingestBatch([...logs(20), ...logs(5, 'error'), ...logs(2, 'critical'), ...logs(3, 'warning')])
    await a.keyClient.ingestSingle(log({ level: 'error' }))
    await bKey.ingestBatch(logs(10, 'debug'))

    // Within the same second: counted in the 5-minute totals, not yet in the per-second figures.
    let o = await a.account.client.statsOverview()
    const byslug = (x: Overview) => Object.fromEntries(x.projects.map((p) => [p.slug, p]))
    expect(byslug(o)['stats-a']).toMatchObject({ accepted_5m: 31, errors_5m: 8, logs_per_second: 0 })
    expect(byslug(o)['stats-b']).toMatchObject({ accepted_5m: 10, errors_5m: 0, name: 'B' })
    expect(o.ingest).toMatchObject({ accepted_5m: 41, errors_5m: 8 })
    expect(o.ingest.series.reduce((n, x) => n + x, 0)).toBe(0)

    // One second later the second is complete: the series ends with it, the rate averages 10 s.
    d.clock.advance(1_000)
    o = await a.account.client.statsOverview()
    expect(o.ingest.series).toHaveLength(SERIES_SECONDS)
    expect(o.ingest.series.at(-1)).toBe(41)
    expect(o.ingest.series.reduce((n, x) => n + x, 0)).toBe(41)
    expect(o.ingest.logs_per_second).toBe(4.1)
    expect(byslug(o)['stats-a']!.logs_per_second).toBe(3.1)
    expect(byslug(o)['stats-b']!.logs_per_second).toBe(1)
    expect(byslug(o)['stats-a']).toMatchObject({ quota_used_today: 31, daily_quota: 1_000_000 })

    // The series moves on with time; the rate window (10 s) and the 5-minute window empty out.
    d.clock.advance(10_000)
    o = await a.account.client.statsOverview()
    expect(o.ingest.logs_per_second).toBe(0)
    expect(o.ingest.series.at(-11)).toBe(41)
    expect(o.ingest.accepted_5m).toBe(41)
    d.clock.advance(300_000)
    o = await a.account.client.statsOverview()
    expect(o.ingest).toMatchObject({ accepted_5m: 0, errors_5m: 0, logs_per_second: 0 })
    expect(o.ingest.series.every((n) => n === 0)).toBe(true)
    // The day's quota is not a 5-minute figure.
    expect(byslug(o)['stats-a']!.quota_used_today).toBe(31)
  })

  it('shows queue depth against capacity while the worker is paused, and 0 once it catches up', async () => {
    const a = await accountWithKey(d.client, 'stats-queue')
    await paused(async () => {
      await a.keyClient.ingestBatch(logs(40))
      const o = await a.account.client.statsOverview()
      expect(o.projects[0]).toMatchObject({ slug: 'stats-queue', queue_depth: 40, queue_capacity: 500 })
      expect(o.ingest.queue_depth).toBe(40)
    })
    await waitFor(async () => (await a.account.client.statsOverview()).projects[0]!.queue_depth === 0)
  })

  it('reports quota used today against daily_quota, rejected logs not counted', async () => {
    const a = await accountWithKey(d.client, 'stats-quota')
    await a.account.client.updateProject('stats-quota', { daily_quota: 25 })
    const res = await a.keyClient.ingestBatch(logs(30))
    expect(res.accepted).toBe(25)
    const o = await a.account.client.statsOverview()
    expect(o.projects[0]).toMatchObject({ quota_used_today: 25, daily_quota: 25, accepted_5m: 25 })
  })

  it("counts each key's requests in the last minute against its limit, throttled ones, and last use", async () => {
    const a = await accountWithKey(d.client, 'stats-keys')
    const limited = await a.account.client.createApiKey(a.project.project_id, { name: 'limited' })
    await a.account.client.setKeyLimits(limited.key_id, {
      algorithm: 'token_bucket',
      tokens_per_second: 0.5,
      burst_capacity: 2,
    })
    const idle = await a.account.client.createApiKey(a.project.project_id, { name: 'idle' })
    const revoked = await a.account.client.createApiKey(a.project.project_id, { name: 'gone' })
    await a.account.client.revokeApiKey(revoked.key_id)

    for (let i = 0; i < 7; i++) await a.keyClient.queueDepth()
    const limitedClient = d.client.withCredential(limited.full_key)
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await limitedClient.raw('GET', '/api/v1/queue/depth')).status)
    expect(statuses).toEqual([200, 200, 429, 429, 429])

    const o = await waitFor(async () => {
      const x = await a.account.client.statsOverview()
      return x.keys.find((k) => k.key_id === a.key.key_id)?.last_used ? x : null
    })
    const byId = Object.fromEntries(o.keys.map((k) => [k.key_id, k]))
    expect(Object.keys(byId).map(Number).sort()).toEqual([a.key.key_id, limited.key_id, idle.key_id].sort())
    expect(byId[a.key.key_id]).toMatchObject({
      name: 'test key',
      project_slug: 'stats-keys',
      requests_per_minute: 7,
      limit_per_minute: 1000,
      throttled_5m: 0,
      is_active: true,
    })
    expect(byId[limited.key_id]).toMatchObject({ requests_per_minute: 5, limit_per_minute: 30, throttled_5m: 3 })
    expect(byId[idle.key_id]).toMatchObject({ requests_per_minute: 0, throttled_5m: 0, last_used: null })

    // A minute later the requests have left the per-minute figure; throttling stays for 5 minutes.
    d.clock.advance(60_000)
    const later = Object.fromEntries((await a.account.client.statsOverview()).keys.map((k) => [k.key_id, k]))
    expect(later[limited.key_id]).toMatchObject({ requests_per_minute: 0, throttled_5m: 3 })
    d.clock.advance(240_000)
    const gone = Object.fromEntries((await a.account.client.statsOverview()).keys.map((k) => [k.key_id, k]))
    expect(gone[limited.key_id]!.throttled_5m).toBe(0)
  })

  it('lists the latest error and critical logs newest first across projects, queued ones included', async () => {
    const a = await accountWithKey(d.client, 'stats-err-a')
    const b = await a.account.client.createProject({ name: 'B', slug: 'stats-err-b' })
    const bKey = d.client.withCredential(
      (await a.account.client.createApiKey(b.project_id, { name: 'b' })).full_key,
    )
    const at = (m: number) => `2025-10-17T10:${String(m).padStart(2, '0')}:00Z`
    await a.keyClient.ingestBatch([
      log({ level: 'error', message: 'a-old', timestamp: at(1) }),
      log({ level: 'info', message: 'a-info', timestamp: at(9) }),
      log({ level: 'critical', message: 'a-crit', timestamp: at(5) }),
    ])
    await waitFor(async () => (await a.account.client.statsOverview()).ingest.queue_depth === 0)
    await paused(async () => {
      await bKey.ingestBatch([
        log({ level: 'error', message: 'b-queued', timestamp: at(7) }),
        log({ level: 'warning', message: 'b-warn', timestamp: at(8) }),
      ])
      const o = await a.account.client.statsOverview()
      expect(o.recent_errors.map((l) => l.message)).toEqual(['b-queued', 'a-crit', 'a-old'])
      expect(o.recent_errors[0]).toMatchObject({ project_id: b.project_id, level: 'error' })

      const two = await a.account.client.statsOverview({ errors: '2' })
      expect(two.recent_errors.map((l) => l.message)).toEqual(['b-queued', 'a-crit'])
      expect((await a.account.client.statsOverview({ errors: '0' })).recent_errors).toEqual([])

      // One project: its errors only, plus its latest logs of any level and its own series.
      d.clock.advance(1_000)
      const one = await a.account.client.statsOverview({ project: 'stats-err-b' })
      expect(one.recent_errors.map((l) => l.message)).toEqual(['b-queued'])
      expect(one.project!.slug).toBe('stats-err-b')
      expect(one.project!.recent_logs.map((l) => l.message)).toEqual(['b-warn', 'b-queued'])
      expect(one.project!.series.at(-1)).toBe(2)
      expect(one.project!.error_series.at(-1)).toBe(1)
      expect(one.project!.series).toHaveLength(SERIES_SECONDS)
    })
  })

  it('lists recent errors by arrival: a back-dated burst arriving now comes first', async () => {
    const a = await accountWithKey(d.client, 'stats-err-late')
    await a.keyClient.ingestBatch([log({ level: 'error', message: 'live error', timestamp: '2025-10-17T10:00:00Z' })])
    // Replayed from a day earlier (a backfill, a device back online), after the live one.
    await a.keyClient.ingestBatch(
      Array.from({ length: 3 }, (_, i) => log({ level: 'critical', message: `replayed ${i}`, timestamp: `2025-10-16T08:00:0${i}Z` })),
    )
    const o = await a.account.client.statsOverview({ errors: '3' })
    expect(o.recent_errors.map((l) => l.message)).toEqual(['replayed 2', 'replayed 1', 'replayed 0'])
    const all = await a.account.client.statsOverview()
    expect(all.recent_errors.map((l) => l.message)).toEqual(['replayed 2', 'replayed 1', 'replayed 0', 'live error'])
  })

  it("returns as many of a project's latest logs as asked (?logs=, default 20, at most 100)", async () => {
    const a = await accountWithKey(d.client, 'stats-logs')
    await a.keyClient.ingestBatch(logs(30, 'info'))
    const byDefault = await a.account.client.statsOverview({ project: 'stats-logs' })
    expect(byDefault.project!.recent_logs).toHaveLength(20)
    expect((await a.account.client.statsOverview({ project: 'stats-logs', logs: '25' })).project!.recent_logs).toHaveLength(25)
    expect((await a.account.client.statsOverview({ project: 'stats-logs', logs: '0' })).project!.recent_logs).toEqual([])
    expectError(await a.account.client.raw('GET', '/api/v1/stats/overview', { query: { project: 'stats-logs', logs: '101' } }), 400, 'logs')
  })

  it("shows only the caller's own projects and keys, and refuses bad input and other credentials", async () => {
    const a = await accountWithKey(d.client, 'stats-own')
    await a.keyClient.ingestBatch(logs(3, 'error'))
    const other = await registerAccount(d.client)
    const o = await other.client.statsOverview()
    expect(o.projects).toEqual([])
    expect(o.keys).toEqual([])
    expect(o.recent_errors).toEqual([])
    expect(o.ingest.accepted_5m).toBe(0)

    expectError(await other.client.raw('GET', '/api/v1/stats/overview', { query: { project: 'stats-own' } }), 404)
    expectError(await a.account.client.raw('GET', '/api/v1/stats/overview', { query: { errors: '101' } }), 400, 'errors')
    expectError(await a.account.client.raw('GET', '/api/v1/stats/overview', { query: { errors: 'x' } }), 400, 'errors')
    expectError(await a.account.client.raw('GET', '/api/v1/stats/overview', { query: { project: 'Bad Slug!' } }), 400, 'project')
    expectError(await d.client.raw('GET', '/api/v1/stats/overview'), 401)
    expectError(await a.keyClient.raw('GET', '/api/v1/stats/overview'), 401, 'access token')
  })
})

describe('stats across a restart', () => {
  it('seeds the 5-minute figures from the logs received before, processed and queued alike', async () => {
    const home = tempHome()
    const clock = { now: Date.now() }
    const start = async (workerPaused: boolean) => {
      const config = DaemonConfigSchema.parse({
        dataDir: join(home, 'data'),
        port: 0,
        scryptLogN: 12,
        logLevel: 'silent',
        workerPaused,
      })
      const { app } = await buildApp({ config, now: () => clock.now, logger: false })
      await app.listen({ host: '127.0.0.1', port: 0 })
      const address = app.server.address()
      const client = new LedgerClient({
        baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      })
      return { app, client }
    }
    try {
      const first = await start(false)
      const a = await accountWithKey(first.client, 'restart')
      await a.keyClient.ingestBatch([...logs(8), ...logs(2, 'error')])
      await waitFor(async () => (await a.account.client.statsOverview()).ingest.queue_depth === 0)
      await first.client.close()
      await first.app.close()

      // The second daemon keeps what it is sent queued: both tables are counted.
      const second = await start(true)
      const { access_token } = await second.client.login({ email: a.account.email, password: 'SecurePass123' })
      const user = second.client.withCredential(access_token)
      await second.client.withCredential(a.key.full_key).ingestBatch([...logs(4), ...logs(1, 'critical')])
      clock.now += 1_000
      const o = await user.statsOverview()
      expect(o.projects[0]).toMatchObject({ accepted_5m: 15, errors_5m: 3, queue_depth: 5 })
      expect(o.ingest.series.at(-1)).toBe(15)
      await second.client.close()
      await second.app.close()
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})
