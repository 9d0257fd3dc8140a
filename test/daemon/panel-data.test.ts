import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import { LEVELS } from '../../src/contract/ingest.js'
import type { PanelData, PanelInput } from '../../src/contract/panels.js'
import { expectError } from '../helpers/assertions.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'

// GET /api/v1/dashboard/panels/{id}/data (issue #8, item 3): buckets that add up to the logs
// ingested, whatever the bucket size, exact at partial minutes at the range's ends.

const FROM = Date.parse('2025-10-17T10:00:30Z')
const TO = Date.parse('2025-10-17T11:00:29.999Z')

describe('panel data', () => {
  let d: TestDaemon
  let owner: Awaited<ReturnType<typeof accountWithKey>>
  let client: LedgerClient
  const sent: Array<{ ts: number; level: string }> = []

  const panel = async (type: PanelInput['type'], from = FROM, to = TO) =>
    client.createPanel({
      name: `${type} panel`,
      index: 0,
      project_id: 'panel-data',
      time_range_from: new Date(from).toISOString(),
      time_range_to: new Date(to).toISOString(),
      type,
    })

  beforeAll(async () => {
    d = await startTestDaemon()
    owner = await accountWithKey(d.client, 'panel-data')
    client = owner.account.client
    let seed = 3
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    const logs = []
    for (let i = 0; i < 3000; i++) {
      // Mostly inside the range, some just outside either end, some on the boundaries.
      const ts = i % 100 === 0 ? (i % 200 === 0 ? FROM : TO) : FROM - 120_000 + Math.floor(random() * (TO - FROM + 240_000))
      const level = LEVELS[Math.floor(random() * LEVELS.length)]!
      sent.push({ ts, level })
      logs.push(log({ timestamp: new Date(ts).toISOString(), level, message: `m${i}` }))
    }
    for (let i = 0; i < logs.length; i += 1000) await owner.keyClient.ingestBatch(logs.slice(i, i + 1000))
    // Another project's logs in the same range count for nothing here.
    const other = await owner.account.client.createProject({ name: 'Other', slug: 'other' })
    const otherKey = await owner.account.client.createApiKey(other.project_id, { name: 'k' })
    await d.client.withCredential(otherKey.full_key).ingestBatch([log({ timestamp: new Date(FROM + 1000).toISOString(), level: 'error' })])
    await waitFor(async () => d.services.queue.totalDepth() === 0)
  })
  afterAll(async () => {
    await d.close()
  })

  const inRange = () => sent.filter((s) => s.ts >= FROM && s.ts <= TO)
  const countIn = (start: number, size: number, level: string) =>
    inRange().filter((s) => s.level === level && s.ts >= start && s.ts < start + size).length

  it.each([
    [undefined, '1m', 61],
    ['5m', '5m', 13],
    ['1h', '1h', 2],
    ['1d', '1d', 1],
  ] as const)('metrics, bucket=%s: %s buckets, counts per level adding up to the logs ingested', async (asked, bucket, n) => {
    const p = await panel('metrics')
    const data = await client.panelData(p.id, asked ? { bucket: asked } : {})
    if (data.type !== 'metrics') throw new Error(data.type)
    expect(data.bucket).toBe(bucket)
    expect(data.panel).toEqual(p)
    expect(data.series).toHaveLength(n)
    const size = data.bucket_seconds * 1000
    expect(Date.parse(data.series[0]!.timestamp)).toBe(Math.floor(FROM / size) * size)
    for (const b of data.series) {
      const start = Date.parse(b.timestamp)
      for (const level of LEVELS) expect(b[level], `${b.timestamp} ${level}`).toBe(countIn(start, size, level))
      expect(b.total).toBe(LEVELS.reduce((t, l) => t + b[l], 0))
    }
    expect(data.totals.total).toBe(inRange().length)
    for (const level of LEVELS) expect(data.totals[level]).toBe(inRange().filter((s) => s.level === level).length)
  })

  it('errors: error and critical counts per bucket', async () => {
    const p = await panel('errors')
    const data = await client.panelData(p.id, { bucket: '15m' })
    if (data.type !== 'errors') throw new Error(data.type)
    expect(data.series).toHaveLength(5)
    for (const b of data.series) {
      const start = Date.parse(b.timestamp)
      expect([b.error, b.critical]).toEqual([countIn(start, 900_000, 'error'), countIn(start, 900_000, 'critical')])
    }
    expect(data.totals).toEqual({
      error: inRange().filter((s) => s.level === 'error').length,
      critical: inRange().filter((s) => s.level === 'critical').length,
    })
    // With an API key of the project too (seed 000's credential for panels).
    expect(await owner.keyClient.panelData(p.id, { bucket: '15m' })).toEqual(data)
  })

  it('logs: the logs of the range, newest first, paged like GET /logs', async () => {
    const p = await panel('logs')
    const seen: PanelData[] = []
    let cursor: string | undefined
    const ids: number[] = []
    for (;;) {
      const data = await client.panelData(p.id, { limit: 700, cursor })
      if (data.type !== 'logs') throw new Error(data.type)
      seen.push(data)
      ids.push(...data.logs.map((l) => l.id))
      if (!data.next_cursor) break
      cursor = data.next_cursor
    }
    expect(ids).toHaveLength(inRange().length)
    expect(new Set(ids).size).toBe(ids.length)
    const direct = await owner.keyClient.logs({ from: new Date(FROM).toISOString(), to: new Date(TO).toISOString(), limit: 700 })
    expect((seen[0] as Extract<PanelData, { type: 'logs' }>).logs).toEqual(direct.logs)
  })

  it.each([
    [1, '1m'],
    [6, '5m'],
    [24, '15m'],
    [48, '1h'],
    [24 * 7, '6h'],
    [24 * 30, '1d'],
    [24 * 365, '1d'],
  ])('chooses the bucket from the range: %i hours → %s', async (hours, bucket) => {
    const p = await panel('errors', FROM, FROM + hours * 3_600_000 - 1)
    const data = await client.panelData(p.id)
    expect(data.type === 'errors' && data.bucket).toBe(bucket)
  })

  it('refuses a bad bucket, one that gives too many buckets, and parameters of the other panel types', async () => {
    const errors = await panel('errors')
    const logs = await panel('logs')
    const long = await panel('metrics', FROM, FROM + 30 * 86_400_000)
    const url = (id: string) => `/api/v1/dashboard/panels/${id}/data`
    expectError(
      await client.raw('GET', url(errors.id), { query: { bucket: '2m' } }),
      400,
      'bucket must be one of 1m, 5m, 15m, 1h, 6h, 1d (or left out, for the daemon to choose)',
    )
    expectError(
      await client.raw('GET', url(long.id), { query: { bucket: '1m' } }),
      400,
      "bucket 1m gives 43201 buckets over this panel's time range; the most is 1500: choose a larger bucket",
    )
    expectError(await client.raw('GET', url(logs.id), { query: { bucket: '1h' } }), 400, 'bucket applies to errors and metrics panels')
    expectError(await client.raw('GET', url(errors.id), { query: { limit: '10' } }), 400, 'limit and cursor apply to logs panels only')
    expectError(await client.raw('GET', url(logs.id), { query: { limit: '0' } }), 400, 'limit must be an integer from 1 to 1000')
    expectError(await client.raw('GET', url('panel_0000000000000000')), 404, 'Panel not found')
    const stranger = await accountWithKey(d.client, 'stranger')
    expectError(await stranger.account.client.raw('GET', url(errors.id)), 404, 'Panel not found')
  })
})
