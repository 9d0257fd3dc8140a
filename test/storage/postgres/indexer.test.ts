import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { parseSearchQuery } from '../../../src/contract/search-query.js'
import type { PostgresStorage } from '../../../src/daemon/storage/postgres/index.js'
import { PostgresIndexer } from '../../../src/daemon/storage/postgres/indexer.js'
import { MIGRATIONS, migrate } from '../../../src/daemon/storage/postgres/migrations.js'
import type { IndexedRange } from '../../../src/daemon/storage/types.js'
import { logWrite as write } from '../../helpers/log-writes.js'
import { quiet, useEngines } from './engines.js'
import { postgresSkipReason } from '../../helpers/postgres.js'

// PostgreSQL's full-text indexing, after the commit (indexer.ts). Each range it announces must
// say which projects its logs belong to, or that it does not know (then every project's tails
// read the range): a range announced with a wrong list would make a caught-up tail skip logs
// for ever. Ranges are indexed by whichever daemon holds the watermark, one batch at a time, and
// heard by every daemon on the bus in commit order; a daemon announces its own batches when they
// commit, possibly before the notification of another's earlier one reaches it.

const skip = postgresSkipReason()

/** An indexer whose announcements are collected (the announcing part needs no database). */
function announcing(indexedUpTo = 0) {
  const indexer = new PostgresIndexer(null as unknown as pg.Pool, 'me', quiet, indexedUpTo)
  const ranges: IndexedRange[] = []
  indexer.subscribe((r) => ranges.push(r))
  return { indexer, ranges }
}

describe('PostgresIndexer announcements', () => {
  it('announces a batch heard of with its counts per project', () => {
    const { indexer, ranges } = announcing()
    indexer.heard(0, 5, 5, 12, new Map([[7, 5]]))
    expect(ranges).toEqual([{ upTo: 5, rows: 5, ms: 12, others: new Map([[7, 5]]) }])
  })

  it('announces a batch after a gap (a batch not heard of yet) as unknown, and the late notification adds nothing', () => {
    const { indexer, ranges } = announcing()
    // Ids 1–10: indexed by another daemon, whose notification has not arrived; 11–20: this one's batch.
    indexer.heard(10, 20, 10, 3, new Map([[1, 10]]))
    expect(ranges.at(-1)).toEqual({ upTo: 20, rows: 10, ms: 3, others: 'unknown' })
    // The other's notification then comes: already announced (as unknown), nothing more.
    indexer.heard(0, 10, 10, 3, new Map([[7, 10]]))
    // This daemon's own notification comes back: already announced.
    indexer.heard(10, 20, 10, 3, new Map([[1, 10]]))
    expect(ranges.length).toBe(1)
    // The next batch right after: its counts.
    indexer.heard(20, 30, 10, 3, new Map([[3, 10]]))
    expect(ranges.at(-1)).toEqual({ upTo: 30, rows: 10, ms: 3, others: new Map([[3, 10]]) })
  })

  it('a batch whose projects were too many to list is announced as unknown', () => {
    const { indexer, ranges } = announcing()
    indexer.heard(0, 100, 100, 1, null)
    expect(ranges.at(-1)?.others).toBe('unknown')
  })

  it('a read of the watermark beyond what was heard announces the rest as unknown (the bus was cut, or is late)', () => {
    const { indexer, ranges } = announcing(3)
    indexer.polled(3)
    expect(ranges).toEqual([])
    indexer.resync(40)
    expect(ranges.at(-1)).toEqual({ upTo: 40, rows: 0, ms: 0, others: 'unknown' })
    indexer.heard(40, 42, 2, 1, new Map([[2, 2]]))
    expect(ranges.at(-1)).toEqual({ upTo: 42, rows: 2, ms: 1, others: new Map([[2, 2]]) })
    indexer.polled(41)
    expect(ranges.length).toBe(2)
  })
})

describe.skipIf(skip !== null)('PostgresIndexer on a database', () => {
  const { server, start } = useEngines()
  const watermark = async (s: PostgresStorage) =>
    (await s.pool.query<{ upto: number }>('SELECT indexed_upto AS upto FROM log_index WHERE id = 1')).rows[0]!.upto

  it('indexes in batches of 10,000 in id order, moving the watermark with each: another daemon’s logs read back, its own from memory', async () => {
    const url = await server().createDatabase()
    const [a, b] = await Promise.all([start(url), start(url)])
    const ranges: IndexedRange[] = []
    b.indexer.subscribe((r) => ranges.push(r))
    const messages = (n: number, from: number) => Array.from({ length: n }, (_, i) => `log ${from + i} of many`)
    // 25,000 logs committed by A, indexed by B: read back from the table, 10,000 at a time.
    for (let i = 0; i < 5; i++) await a.logWrites.commit([write(1, messages(5000, i * 5000))])
    expect(await b.pgIndexer.batch()).toBe('more')
    expect(await watermark(b)).toBe(10_000)
    expect(await b.pgIndexer.batch()).toBe('more')
    expect(await b.pgIndexer.batch()).toBe('done')
    expect(await b.pgIndexer.batch()).toBe('idle')
    expect(ranges.map((r) => [r.upTo, r.rows, r.others])).toEqual([
      [10_000, 10_000, new Map([[1, 10_000]])],
      [20_000, 10_000, new Map([[1, 10_000]])],
      [25_000, 5_000, new Map([[1, 5_000]])],
    ])
    // B's own commits: whole commits from what it holds, as many as fit in 10,000 logs (A, which
    // still holds its first ones, finds them indexed and lets them go).
    for (let i = 0; i < 3; i++) await b.logWrites.commit([write(2, messages(4000, 25_000 + i * 4000))])
    expect(await b.pgIndexer.batch()).toBe('more')
    expect(await watermark(b)).toBe(33_000)
    expect(await a.pgIndexer.batch()).toBe('done')
    expect(await watermark(b)).toBe(37_000)
    const n = await b.pool.query<{ n: number; d: number }>('SELECT count(*) AS n, count(DISTINCT id) AS d FROM log_search')
    expect(n.rows[0]).toEqual({ n: 37_000, d: 37_000 })
    for (const [project, id] of [[1, 24_999], [2, 36_999]] as const) {
      const page = await a.logReads.page({ projectId: project, limit: 5, search: parseSearchQuery(`"log ${id - 1}"`) })
      expect(page.map((r) => r.id)).toEqual([id])
    }
  })

  it('lets one daemon index at a time: the others find the watermark held and leave the batch to it', async () => {
    const url = await server().createDatabase()
    const [a, b] = await Promise.all([start(url), start(url)])
    await a.logWrites.commit([write(1, ['one', 'two'])])
    // A holds the watermark's row (as a batch under way does): B's pass finds it busy.
    const holder = await a.pool.connect()
    try {
      await holder.query('BEGIN')
      await holder.query('SELECT 1 FROM log_index WHERE id = 1 FOR UPDATE')
      expect(await b.pgIndexer.batch()).toBe('busy')
    } finally {
      await holder.query('ROLLBACK')
      holder.release()
    }
    // Both at once, many times over: every log indexed exactly once.
    for (let i = 0; i < 20; i++) {
      await (i % 2 ? a : b).logWrites.commit([write(1 + (i % 3), [`round ${i} a`, `round ${i} b`])])
      const outcomes = await Promise.all([a.pgIndexer.batch(), b.pgIndexer.batch()])
      expect(outcomes.filter((o) => o === 'done').length).toBeLessThanOrEqual(1)
    }
    await a.pgIndexer.batch()
    const n = await a.pool.query<{ n: number; d: number; last: number }>(
      'SELECT count(*) AS n, count(DISTINCT id) AS d, (SELECT last FROM log_ids) AS last FROM log_search',
    )
    expect(n.rows[0]).toEqual({ n: 42, d: 42, last: 42 })
    expect(await watermark(a)).toBe(42)
  })

  it('runs by itself once started: every daemon hears of each batch, whichever daemon indexed it', async () => {
    const url = await server().createDatabase()
    const [a, b] = await Promise.all([start(url), start(url)])
    const heard = { a: [] as IndexedRange[], b: [] as IndexedRange[] }
    a.indexer.subscribe((r) => heard.a.push(r))
    b.indexer.subscribe((r) => heard.b.push(r))
    a.start()
    b.start()
    await Promise.all([a.indexer.ready(), b.indexer.ready()])
    await a.logWrites.commit([write(5, ['from a'])])
    a.indexer.kick()
    await b.logWrites.commit([write(6, ['from b 1', 'from b 2'])])
    b.indexer.kick()
    const reached = (rs: IndexedRange[]) => rs.at(-1)?.upTo === 3
    for (let t = 0; !(reached(heard.a) && reached(heard.b)); t++) {
      if (t > 100) throw new Error(`not announced: ${JSON.stringify(heard)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    // Ranges in order, each one's projects named or unknown, never a wrong list.
    for (const rs of [heard.a, heard.b]) {
      const ups = rs.map((r) => r.upTo)
      expect(ups).toEqual([...ups].sort((x, y) => x - y))
      const named = new Set<number>()
      for (const r of rs) if (r.others instanceof Map) for (const p of r.others.keys()) named.add(p)
      const unknown = rs.some((r) => r.others === 'unknown')
      expect(unknown || (named.has(5) && named.has(6))).toBe(true)
    }
    expect(await b.logReads.page({ projectId: 6, limit: 10, search: parseSearchQuery('from') })).toHaveLength(2)
  })

  it('pausing stops this daemon’s batches; resuming indexes what was stored meanwhile', async () => {
    const engine = await start(await server().createDatabase())
    engine.start()
    await engine.indexer.ready()
    engine.indexer.pause()
    await engine.logWrites.commit([write(1, ['held back'])])
    engine.indexer.kick()
    await new Promise((r) => setTimeout(r, 1200))
    expect(await watermark(engine)).toBe(0)
    engine.indexer.resume()
    for (let t = 0; (await watermark(engine)) < 1; t++) {
      if (t > 100) throw new Error('not indexed')
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(engine.indexer.status).toMatchObject({ paused: false, indexed_upto: 1, last_error: null })
  })

  it('moves the full text out of the logs of a database made before it (migration 4)', async () => {
    const url = await server().createDatabase()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await migrate(client, MIGRATIONS.filter((m) => m.version < 4))
      const day = Math.floor(Date.now() / 86_400_000)
      await client.query(`CREATE TABLE logs_d${day} PARTITION OF logs FOR VALUES FROM (${day * 86_400_000}) TO (${(day + 1) * 86_400_000})`)
      await client.query(
        `INSERT INTO logs (id, project_id, received_at, timestamp, level, log_type, importance, message, search)
         VALUES (1, 9, $1, $1, 'info', 'logger', 'standard', 'before the move', ledger_search_vector('before the move'))`,
        [Date.now()],
      )
      await client.query('UPDATE log_ids SET last = 1')
    } finally {
      await client.end()
    }
    const engine = await start(url)
    expect(await watermark(engine)).toBe(1)
    expect((await engine.logReads.page({ projectId: 9, limit: 5, search: parseSearchQuery('move') })).map((r) => r.message)).toEqual([
      'before the move',
    ])
    const columns = await engine.pool.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'logs' AND column_name = 'search'")
    expect(columns.rowCount).toBe(0)
  })
})
