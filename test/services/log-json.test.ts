import { rmSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from '../../src/daemon/storage/sqlite/database.js'
import { COLUMNS, type LogRow } from '../../src/daemon/storage/sqlite/logs.js'
import { framesByIds, projectFramesInRange } from '../../src/daemon/storage/sqlite/tail-reads.js'
import { logJson, toLog } from '../../src/daemon/services/logs.js'
import { testTempDir } from '../helpers/tmp.js'

// A live tail sends each log as its JSON written directly: logJson(row) for a tail reading by
// itself, or made by SQLite (tail-reads.ts) for the tails that share a read; both go in with the
// stored attributes text as it is. Either must be exactly the JSON of the log as GET /logs
// returns it, for any text (control characters, quotes, lone surrogates, U+2028...).

const str = fc.string({ unit: 'binary', maxLength: 30 })
const maybe = fc.option(str, { nil: null })

const rowArb: fc.Arbitrary<LogRow> = fc.record({
  id: fc.integer({ min: 1, max: 2 ** 40 }),
  project_id: fc.integer({ min: 1, max: 1e6 }),
  received_at: fc.integer({ min: 0, max: 4e12 }),
  timestamp: fc.integer({ min: -6e13, max: 2.5e14 }),
  level: fc.constantFrom('debug', 'info', 'warning', 'error', 'critical'),
  log_type: fc.constantFrom('console', 'logger', 'exception'),
  importance: fc.constantFrom('low', 'standard', 'high'),
  message: maybe,
  error_type: maybe,
  error_message: maybe,
  stack_trace: maybe,
  environment: maybe,
  release: maybe,
  sdk_version: maybe,
  platform: maybe,
  platform_version: maybe,
  // Stored as ingestion stores them: JSON.stringify of the object received.
  attributes: fc
    .option(fc.dictionary(fc.oneof(str, fc.constantFrom('__proto__', '10', '2', 'a.b')), fc.jsonValue({ maxDepth: 3 })), {
      nil: null,
    })
    .map((a) => (a === null ? null : JSON.stringify(a))),
})

describe('logJson', () => {
  it('is JSON.stringify(toLog(row)) for any row', () => {
    fc.assert(
      fc.property(rowArb, (row) => {
        expect(logJson(row)).toBe(JSON.stringify(toLog(row)))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('frames made by SQLite', () => {
  let dir: string
  let db: Database

  beforeAll(() => {
    dir = testTempDir('ledger-frames-')
    db = openDatabase(join(dir, 'ledger.db'))
  })
  afterAll(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('are the JSON of the row read back, for any row', () => {
    const insert = db.prepare(`INSERT INTO logs (id, ${COLUMNS}) VALUES (@id, ${COLUMNS.split(',').map((c) => `@${c.trim()}`).join(', ')})`)
    let next = 1
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 20 }), (rows) => {
        const ids = rows.map((r) => {
          const id = next++
          insert.run({ ...r, id, project_id: 7 })
          return id
        })
        const back = db.prepare(`SELECT id, ${COLUMNS} FROM logs WHERE id IN (${ids.join(',')}) ORDER BY id`).all() as LogRow[]
        const expected = back.map((r) => JSON.stringify(toLog(r)))
        expect(framesByIds(db, ids).map((f) => f.data)).toEqual(expected)
        expect(projectFramesInRange(db, 7, ids[0]! - 1, ids.at(-1)!).map((f) => f.data)).toEqual(expected)
        expect(back.map(logJson)).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })
})
