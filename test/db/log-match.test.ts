import { rmSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from '../../src/daemon/db/database.js'
import { compileFilter, matchable } from '../../src/daemon/db/log-match.js'
import { processedLogsAfter, type StoredLogFilter } from '../../src/daemon/db/log-reads.js'
import { COLUMNS, type LogRow } from '../../src/daemon/db/logs.js'
import { projectLogsInRange } from '../../src/daemon/db/tail-reads.js'
import { testTempDir } from '../helpers/tmp.js'

// Live tails that share a read evaluate their filters in memory (log-match.ts). They must
// agree with the SQL of a log read (log-reads.ts) on every log: random logs, random filters,
// both ways, the same ids. Values are drawn from small pools so that filters often match, and
// the pools hold the cases where SQL and JavaScript differ most easily: numbers against their
// text, strings that look like JSON, booleans, null, nested objects, arrays, dotted keys.

const LEVELS = ['debug', 'info', 'warning', 'error', 'critical']
const TYPES = ['console', 'logger', 'exception', 'network']
const TEXTS = ['prod', 'staging', 'é', '', 'a\ud800b', 'Prod']
const KEYS = ['a', 'b', 'a.b', 'user_id', 'x.y', '__proto__', '0', 'a..b', 'y']
const STRINGS = ['42', 'x', 'true', 'null', '', '"42"', '1.5', 'é', '{"b":1}', '[1,2]', 'a\u2028b', 'a\ud800b']
const FILTER_VALUES = [...STRINGS, '"x"', '1', '0', '-1', 'false', '1e+21', '{"b":"x"}', '{"y":42}', '[1,"2"]', '"a\\u2028b"']

const scalar = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.constantFrom(42, 0, -1, 1.5, 1e21, 1, true, false, null),
)
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), scalar, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
)
const attributes = fc.option(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 4 }), { nil: null })

const logArb = fc.record({
  project_id: fc.constantFrom(1, 2),
  timestamp: fc.integer({ min: 0, max: 20 }),
  level: fc.constantFrom(...LEVELS),
  log_type: fc.constantFrom(...TYPES),
  environment: fc.option(fc.constantFrom(...TEXTS), { nil: null }),
  release: fc.option(fc.constantFrom(...TEXTS), { nil: null }),
  attributes,
})

/** `arb` one time in four, else absent: filters of one or two conditions match often enough. */
const sometimes = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb })

const filterArb: fc.Arbitrary<StoredLogFilter> = fc.record({
  projectId: fc.constantFrom(1, 2),
  levels: sometimes(fc.subarray(LEVELS, { minLength: 1 })),
  logTypes: sometimes(fc.subarray(TYPES, { minLength: 1 })),
  environment: sometimes(fc.constantFrom(...TEXTS)),
  release: sometimes(fc.constantFrom(...TEXTS)),
  attr: fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: fc.array(fc.record({ key: fc.constantFrom(...KEYS), value: fc.constantFrom(...FILTER_VALUES) }), {
        minLength: 1,
        maxLength: 2,
      }),
    },
  ),
  from: sometimes(fc.integer({ min: 0, max: 20 })),
  to: sometimes(fc.integer({ min: 0, max: 20 })),
})

describe('filters in memory agree with the SQL of a log read', () => {
  let dir: string
  let db: Database
  let rows: LogRow[]
  let maxId = 0

  beforeAll(() => {
    dir = testTempDir('ledger-match-')
    db = openDatabase(join(dir, 'ledger.db'))
    const logs = fc.sample(logArb, { numRuns: 3000, seed: 14 })
    const insert = db.prepare(`INSERT INTO logs (${COLUMNS}) VALUES (?, 0, ?, ?, ?, 'standard', 'm', NULL, NULL, NULL, ?, ?, NULL, NULL, NULL, ?)`)
    db.transaction(() => {
      for (const l of logs) {
        insert.run(l.project_id, l.timestamp, l.level, l.log_type, l.environment, l.release, l.attributes === null ? null : JSON.stringify(l.attributes))
      }
    })()
    maxId = (db.prepare('SELECT max(id) AS id FROM logs').get() as { id: number }).id
    rows = [...projectLogsInRange(db, 1, 0, maxId, 10_000), ...projectLogsInRange(db, 2, 0, maxId, 10_000)]
    expect(rows).toHaveLength(3000)
  })
  afterAll(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const sqlIds = (f: StoredLogFilter) => processedLogsAfter(db, f, 0, maxId, 100_000).rows.map((r) => r.id)
  const memoryIds = (f: StoredLogFilter) => {
    const match = compileFilter(f)
    return rows
      .map(matchable)
      .filter(match)
      .map((m) => m.row.id)
      .sort((a, b) => a - b)
  }

  it('on random filters, the same logs', () => {
    let matchedByAttr = 0
    fc.assert(
      fc.property(filterArb, (f) => {
        const sql = sqlIds(f)
        if (sql.length > 0 && f.attr) matchedByAttr++
        expect(memoryIds(f)).toEqual(sql)
      }),
      { numRuns: 1500, seed: 21 },
    )
    // The pools are small enough that many attribute filters match something.
    expect(matchedByAttr).toBeGreaterThan(200)
  })

  it.each([
    ['a number against its text', { attr: [{ key: 'a', value: '42' }] }],
    ['a string that looks like a number', { attr: [{ key: 'a', value: '"42"' }] }],
    ['true and null', { attr: [{ key: 'b', value: 'true' }, { key: 'user_id', value: 'null' }] }],
    ['a dotted key, as a name or a path', { attr: [{ key: 'a.b', value: 'x' }] }],
    ['an object as its JSON', { attr: [{ key: 'a', value: '{"b":1}' }] }],
    ['a lone surrogate', { environment: 'a\ud800b' }],
  ])('%s', (_name, extra) => {
    for (const projectId of [1, 2]) {
      const f = { projectId, ...extra } as StoredLogFilter
      expect(memoryIds(f)).toEqual(sqlIds(f))
    }
  })
})
