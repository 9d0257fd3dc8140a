import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import type { Log } from '../../src/contract/ingest.js'
import type { LogSearchParams } from '../../src/contract/logs.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'

// Search results against a brute-force answer, over enough logs that every plan of the search
// runs (few matches; id windows with logs out of time order; the index walk when windows do not
// settle), and paging while logs keep arriving (issue #8: no gaps, no repeats).

const N = 12_000
const BASE = Date.parse('2025-10-17T10:00:00Z')
const WORDS = ['alpha', 'beta', 'gamma', 'delta']

/** A deterministic pseudo-random sequence (tests must be reproducible). */
function rng(seed: number) {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

function makeLogs(n: number, offset: number, random: () => number) {
  return Array.from({ length: n }, (_, j) => {
    const i = offset + j
    const words = [WORDS[i % 4]!, WORDS[Math.floor(i / 4) % 4]!]
    if (i % 2 === 1) words.push('alpha')
    if (i % 97 === 0) words.push('omega')
    // In time order with a few seconds of jitter (concurrent senders); 1% far in the future or
    // the past (skewed clocks, backfills): they sort at the ends whatever their ids.
    let ts = BASE + i * 100 + Math.floor(random() * 3000)
    if (i % 101 === 0) ts += 86_400_000
    if (i % 103 === 0) ts -= 86_400_000
    return log({
      timestamp: new Date(ts).toISOString(),
      level: i % 200 === 0 ? 'critical' : i % 3 === 0 ? 'error' : 'info',
      message: `${words.join(' ')} #${i}`,
    })
  })
}

const tokens = (m: string | null) => new Set((m ?? '').toLowerCase().split(/[^a-z0-9]+/))
const newestFirst = (a: Log, b: Log) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || b.id - a.id

describe('search plans and paging', () => {
  let d: TestDaemon
  let reader: LedgerClient
  let keyClient: LedgerClient
  let projectId: string
  let stored: Log[] = []
  const random = rng(7)

  async function readAll(params: LogSearchParams, limit: number, between?: () => Promise<void>) {
    const out: Log[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 10_000; pages++) {
      const page = await reader.logs({ ...params, project_id: projectId, limit, cursor })
      out.push(...page.logs)
      if (!page.next_cursor) return out
      cursor = page.next_cursor
      await between?.()
    }
    throw new Error('paging did not end')
  }

  beforeAll(async () => {
    d = await startTestDaemon()
    const a = await accountWithKey(d.client, 'plans')
    keyClient = a.keyClient
    reader = a.account.client
    projectId = String(a.project.project_id)
    for (let off = 0; off < N; off += 1000) await keyClient.ingestBatch(makeLogs(1000, off, random))
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0, 30_000)
    stored = await readAll({}, 1000)
    expect(stored).toHaveLength(N)
  })
  afterAll(async () => {
    await d.close()
  })

  const expected = (has: (t: Set<string>, l: Log) => boolean) =>
    stored.filter((l) => has(tokens(l.message), l)).sort(newestFirst).map((l) => l.id)

  const has = (...words: string[]) => (t: Set<string>) => words.every((w) => t.has(w))
  const range = { from: new Date(BASE + 300_000).toISOString(), to: new Date(BASE + 600_000).toISOString() }
  it.each<[string, LogSearchParams, number, (t: Set<string>) => boolean]>([
    ['alpha', {}, 100, has('alpha')],
    ['alpha', {}, 1000, has('alpha')],
    ['alpha', range, 20, has('alpha')],
    ['alpha OR beta', {}, 250, (t) => t.has('alpha') || t.has('beta')],
    ['alpha NOT omega', {}, 100, (t) => t.has('alpha') && !t.has('omega')],
    ['alp*', {}, 100, has('alpha')],
    ['beta gamma', {}, 100, has('beta', 'gamma')],
    ['omega', {}, 10, has('omega')],
    ['alpha', { level: 'critical' }, 10, has('alpha')],
    ['alpha OR gamma', { level: 'error,critical' }, 100, (t) => t.has('alpha') || t.has('gamma')],
  ])('q=%s %j, %i a page: pages exactly as a brute-force search would', async (q, extra, limit, match) => {
    const want = expected((t, l) => {
      if (!match(t)) return false
      if (extra.level && !String(extra.level).split(',').includes(l.level)) return false
      if (extra.from && Date.parse(l.timestamp) < Date.parse(extra.from)) return false
      if (extra.to && Date.parse(l.timestamp) > Date.parse(extra.to)) return false
      return true
    })
    expect(want.length).toBeGreaterThan(0)
    const got = (await readAll({ q, ...extra }, limit)).map((l) => l.id)
    expect(got).toEqual(want)
  })

  it('pages through a search while logs keep arriving: every log stored before the first page exactly once', async () => {
    const before = expected((t) => t.has('alpha'))
    let sent = 0
    const got = await readAll({ q: 'alpha' }, 50, async () => {
      // New matching logs with timestamps all over the range being paged, some processed
      // before the next page is read and some not.
      await keyClient.ingestBatch(makeLogs(40, N + sent, random))
      sent += 40
    })
    expect(sent).toBeGreaterThan(1000)
    const ids = got.map((l) => l.id)
    expect(new Set(ids).size).toBe(ids.length)
    const seen = new Set(ids)
    expect(before.filter((id) => !seen.has(id))).toEqual([])
    // And still newest first, page after page.
    const order = [...got].sort(newestFirst).map((l) => l.id)
    expect(ids).toEqual(order)
  })
})
