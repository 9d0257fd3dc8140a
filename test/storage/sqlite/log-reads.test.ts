import { rmSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateLog } from '../../../src/contract/ingest.js'
import { parseSearchQuery } from '../../../src/contract/search-query.js'
import { type Database, openDatabase } from '../../../src/daemon/storage/sqlite/database.js'
import { attachFulltext, indexNextLogs } from '../../../src/daemon/storage/sqlite/fulltext.js'
import { type SearchTuning, searchLogs, toFts5 } from '../../../src/daemon/storage/sqlite/log-reads.js'
import { appendLogs, type LogRow, receivedCountsSince } from '../../../src/daemon/storage/sqlite/logs.js'
import { emptyColumns, pushLog } from '../../../src/daemon/ingest/batch-decode.js'
import { testTempDir } from '../../helpers/tmp.js'

// The three plans of a full-text read (every match / id windows / the index walk) give the same
// pages as a brute-force search, on a real SQLite file, whatever the order of the timestamps.
// The thresholds between plans are lowered so that each plan runs on a few thousand logs.

const WORDS = ['red', 'green', 'blue', 'cyan', 'black']
const PLANS: Record<string, SearchTuning> = {
  'every match': { smallMatchSet: 1_000_000, windowBudget: 65_536 },
  'id windows': { smallMatchSet: 1, windowBudget: 1_000_000 },
  'index walk': { smallMatchSet: 1, windowBudget: 1 },
  'windows, then the index walk': { smallMatchSet: 1, windowBudget: 1500 },
}

describe('full-text read plans', () => {
  let dir: string
  let db: Database
  let rows: LogRow[]

  beforeAll(() => {
    dir = testTempDir('ledger-search-')
    db = openDatabase(join(dir, 'ledger.db'))
    attachFulltext(db, join(dir, 'fulltext.db'))
    let seed = 11
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    // Two projects, interleaved; timestamps mostly in order, some shuffled by minutes, some
    // days off; duplicates of one timestamp (ties broken by id).
    for (let batch = 0; batch < 6; batch++) {
      for (const project of [1, 2]) {
        const c = emptyColumns()
        for (let j = 0; j < 500; j++) {
          const i = batch * 500 + j
          const words = [WORDS[i % 5]!, WORDS[Math.floor(random() * 5)]!]
          let ts = Date.parse('2025-10-17T00:00:00Z') + i * 1000
          if (random() < 0.2) ts += Math.floor((random() - 0.5) * 600_000)
          if (random() < 0.01) ts += (random() < 0.5 ? -1 : 1) * 5 * 86_400_000
          if (i % 50 === 0) ts = Date.parse('2025-10-17T00:30:00Z')
          const level = random() < 0.02 ? 'critical' : random() < 0.3 ? 'error' : 'info'
          const v = validateLog({ timestamp: new Date(ts).toISOString(), level, log_type: 'logger', importance: 'standard', message: words.join(' ') })
          if (!v.ok) throw new Error(v.detail)
          pushLog(c, v.value)
        }
        db.transaction(() => appendLogs(db, project, 0, c))()
      }
    }
    const index = new BetterSqlite3(join(dir, 'fulltext.db'))
    while (indexNextLogs(db, index, 1000)) {
      // until every log is searchable
    }
    index.close()
    rows = db.prepare('SELECT * FROM logs').all() as LogRow[]
    expect(rows).toHaveLength(6000)
  })
  afterAll(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const brute = (match: (words: string[]) => boolean, project: number, level?: string) =>
    rows
      .filter((r) => r.project_id === project && match(r.message!.split(' ')) && (!level || r.level === level))
      .sort((a, b) => b.timestamp - a.timestamp || b.id - a.id)
      .map((r) => r.id)

  function pages(q: string, tuning: SearchTuning, limit: number, project: number, level?: string): number[] {
    const out: number[] = []
    let before: { timestamp: number; id: number } | undefined
    for (;;) {
      const page = searchLogs(
        db,
        { projectId: project, search: parseSearchQuery(q), levels: level ? [level] : undefined, before, limit: limit + 1 },
        tuning,
      )
      out.push(...page.slice(0, limit).map((r) => r.id))
      if (page.length <= limit) return out
      const last = page[limit - 1]!
      before = { timestamp: last.timestamp, id: last.id }
    }
  }

  const QUERIES: Array<[string, (w: string[]) => boolean]> = [
    ['red', (w) => w.includes('red')],
    ['red OR blue', (w) => w.includes('red') || w.includes('blue')],
    ['red NOT green', (w) => w.includes('red') && !w.includes('green')],
    ['bl*', (w) => w.some((x) => x.startsWith('bl'))],
    ['"red red"', (w) => w[0] === 'red' && w[1] === 'red'],
  ]

  for (const [plan, tuning] of Object.entries(PLANS)) {
    it.each(QUERIES)(`${plan}: q=%s pages as a brute-force search would`, (q, match) => {
      for (const project of [1, 2]) {
        const want = brute(match, project)
        expect(want.length).toBeGreaterThan(50)
        expect(pages(q, tuning, 60, project)).toEqual(want)
      }
      // A rare level among the matches; and one page of everything.
      expect(pages(q, tuning, 25, 2, 'critical')).toEqual(brute(match, 2, 'critical'))
      expect(pages(q, tuning, 5000, 1)).toEqual(brute(match, 1))
    })
  }

  it('writes each term quoted for FTS5, so its tokenizer reads it as it read the logs', () => {
    expect(toFts5(parseSearchQuery('a "b c" d* NOT (e OR f)'))).toBe('("a" AND "b c" AND "d"*) NOT (("e" OR "f"))')
    expect(toFts5({ kind: 'term', text: 'say"s', phrase: false, prefix: true })).toBe('"say""s"*')
    expect(toFts5(parseSearchQuery('a OR b c'))).toBe('("a" OR ("b" AND "c"))')
  })
})

describe('ingest rates seeded at start', () => {
  it('counts the logs received since a time, per project and second, among the newest `atMost` only', () => {
    const dir = testTempDir('ledger-received-')
    const db = openDatabase(join(dir, 'ledger.db'))
    try {
      const t0 = Date.parse('2025-10-17T00:00:00Z')
      const store = (project: number, at: number, levels: string[]) => {
        const c = emptyColumns()
        for (const level of levels) {
          const v = validateLog({ timestamp: new Date(at).toISOString(), level, log_type: 'console', importance: 'standard' })
          if (!v.ok) throw new Error(v.detail)
          pushLog(c, v.value)
        }
        db.transaction(() => appendLogs(db, project, at, c))()
      }
      store(1, t0, ['info', 'info']) // before `since`
      store(1, t0 + 10_000, ['info', 'error', 'critical'])
      store(2, t0 + 11_000, ['info', 'info'])
      store(1, t0 + 12_500, ['warning'])
      const since = t0 + 5_000
      const all = receivedCountsSince(db, since, 1_000).sort((a, b) => a.second - b.second)
      expect(all).toEqual([
        { project_id: 1, second: (t0 + 10_000) / 1000, n: 3, errors: 2 },
        { project_id: 2, second: (t0 + 11_000) / 1000, n: 2, errors: 0 },
        { project_id: 1, second: Math.floor((t0 + 12_500) / 1000), n: 1, errors: 0 },
      ])
      // The newest 3 logs: project 2's two and the last one.
      const newest = receivedCountsSince(db, since, 3).sort((a, b) => a.second - b.second)
      expect(newest.map((r) => [r.project_id, r.n])).toEqual([
        [2, 2],
        [1, 1],
      ])
    } finally {
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
