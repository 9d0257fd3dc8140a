import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LedgerClient, type LedgerTail } from '../../src/client/index.js'
import type { TailParams } from '../../src/contract/logs.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { consume } from '../helpers/tails.js'

// Issue #14, item 5: the new logs of a project are read once per processed range and fanned
// out in memory to every tail of the project (1,000 tails reading each for itself took
// ingestion from ~125,000 to ~620 logs/s). Each tail still gets exactly what GET /logs returns
// for its filters: full text (by FTS5), levels, types, attributes, environment, time range.

const FILTERS: TailParams[] = [
  {},
  { level: ['error', 'critical'] },
  { q: 'timeout OR "connection refused"' },
  { q: 'time*', level: 'error' },
  { attr: { region: 'eu' } },
  { attr: { 'http.status': 500 } },
  { environment: 'production', log_type: 'exception' },
  { q: 'payment', attr: { user_id: 4 } },
  { from: '2025-10-17T10:00:30Z', to: '2025-10-17T10:01:00Z' },
  { q: 'café' },
]

describe('live tails share one read per project', () => {
  let d: TestDaemon

  beforeAll(async () => {
    d = await startTestDaemon({ maxTailsPerKey: 1000, maxTailsPerAccount: 1000 })
  })
  afterAll(async () => {
    await d.close()
  })

  it('100 tails with 10 filters each get exactly what /logs returns for their filter, with a handful of reads', async () => {
    const { keyClient, key } = await accountWithKey(d.client, 'fanout')
    const tails: Array<{ filter: TailParams; tail: LedgerTail; run: ReturnType<typeof consume> }> = []
    // A client keeps at most 64 connections to a daemon: the tails come from two of their own.
    const own = [0, 1].map(() => new LedgerClient({ baseUrl: d.url, credential: key.full_key }))
    for (let i = 0; i < 100; i++) {
      const filter = FILTERS[i % FILTERS.length]!
      const tail = await own[i % 2]!.tail(filter)
      tails.push({ filter, tail, run: consume(tail) })
    }
    const readsBefore = d.services.tail.figures().shared_reads
    const levels = ['debug', 'info', 'warning', 'error', 'critical'] as const
    const words = ['timeout', 'connection refused', 'refused connection', 'timer', 'payment', 'Café au lait', 'ok']
    let total = 0
    for (let b = 0; b < 5; b++) {
      await keyClient.ingestBatch(
        Array.from({ length: 200 }, (_, i) => {
          const n = b * 200 + i
          return log({
            timestamp: new Date(Date.parse('2025-10-17T10:00:00Z') + (n % 90) * 1000).toISOString(),
            level: levels[n % 5],
            log_type: n % 3 === 0 ? 'exception' : 'logger',
            environment: n % 4 === 0 ? 'production' : 'staging',
            message: `${words[n % words.length]} ${n}`,
            attributes: { region: n % 2 ? 'eu' : 'us', user_id: n % 7 === 0 ? 42 : String(n % 7), http: { status: n % 6 === 0 ? 500 : 200 } },
          })
        }),
      )
      total += 200
    }
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0, 20_000, 'processing')
    const expected = new Map<string, number[]>()
    for (const f of FILTERS) {
      const ids: number[] = []
      let cursor: string | undefined
      do {
        const page = await keyClient.logs({ ...f, limit: 1000, cursor })
        ids.push(...page.logs.map((l) => l.id))
        cursor = page.next_cursor ?? undefined
      } while (cursor)
      expected.set(JSON.stringify(f), ids.sort((a, b) => a - b))
    }
    // Every filter matches something, and none matches everything.
    for (const ids of expected.values()) expect(ids.length).toBeGreaterThan(0)
    for (const ids of [...expected.values()].slice(1)) expect(ids.length).toBeLessThan(total)
    await waitFor(
      () => tails.every((t) => t.run.events.length >= expected.get(JSON.stringify(t.filter))!.length),
      20_000,
      'every tail to get its logs',
    )
    for (const t of tails) {
      expect(t.run.events.map((e) => e.id)).toEqual(expected.get(JSON.stringify(t.filter)))
    }
    // One read per pass of processing with new logs, whatever the number of tails (100 here).
    const reads = d.services.tail.figures().shared_reads - readsBefore
    expect(reads).toBeGreaterThan(0)
    expect(reads).toBeLessThan(30)
    for (const c of own) await c.close()
    await waitFor(() => d.services.tail.count === 0 && d.services.logEvents.listenerCount === 0)
    expect(d.services.tail.figures().projects).toBe(0)
  }, 60_000)

  it('a tail that resumes far behind catches up by itself, then joins the shared read, with no gap and no repeat', async () => {
    const { keyClient } = await accountWithKey(d.client, 'catch-up')
    const live = consume(await keyClient.tail({ level: 'error' }))
    await keyClient.ingestBatch(Array.from({ length: 300 }, (_, i) => log({ message: `old ${i}`, level: i % 2 ? 'error' : 'info' })))
    await waitFor(() => live.events.length === 150)
    const resumed = consume(await keyClient.tail({ level: 'error' }, { lastEventId: live.events[9]!.id }))
    await waitFor(() => resumed.events.length === 140)
    await keyClient.ingestBatch(Array.from({ length: 100 }, (_, i) => log({ message: `new ${i}`, level: 'error' })))
    await waitFor(() => resumed.events.length === 240 && live.events.length === 250)
    expect(resumed.events.map((e) => e.id)).toEqual(live.events.slice(10).map((e) => e.id))
  })
})
