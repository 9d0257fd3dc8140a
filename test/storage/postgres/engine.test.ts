import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { emptyColumns, pushLog } from '../../../src/daemon/ingest/batch-decode.js'
import { validateLog } from '../../../src/contract/ingest.js'
import { parseSearchQuery } from '../../../src/contract/search-query.js'
import { MIGRATIONS } from '../../../src/daemon/storage/postgres/migrations.js'
import { PostgresStorage } from '../../../src/daemon/storage/postgres/index.js'
import { BUS_CHANNEL } from '../../../src/daemon/storage/postgres/bus.js'
import { storeWrites } from '../../../src/daemon/storage/postgres/logs.js'
import { listPartitions } from '../../../src/daemon/storage/postgres/partitions.js'
import { type LogWrite, StorageUnavailableError } from '../../../src/daemon/storage/types.js'
import { logWrite as write } from '../../helpers/log-writes.js'
import { quiet, useEngines } from './engines.js'
import { postgresSkipReason } from '../../helpers/postgres.js'

// The PostgreSQL engine's own guarantees, below the HTTP API (which the end-to-end suite runs on
// both engines): migrations applied once by daemons starting together, log ids given in commit
// order whatever the connections, the secret made once.

const skip = postgresSkipReason()

describe.skipIf(skip !== null)('the PostgreSQL engine', () => {
  const { server, start } = useEngines()

  it('applies each migration exactly once when several daemons start at once', async () => {
    const url = await server().createDatabase()
    const engines = await Promise.all([start(url), start(url), start(url)])
    const rows = await engines[0]!.pool.query<{ version: number }>('SELECT version FROM ledger_schema ORDER BY version')
    expect(rows.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version))
    // One secret, made by whichever came first, seen by all.
    expect(Buffer.from(engines[1]!.secret)).toEqual(Buffer.from(engines[0]!.secret))
    expect(Buffer.from(engines[2]!.secret)).toEqual(Buffer.from(engines[0]!.secret))
    expect(engines[0]!.secret.length).toBe(32)
  })

  it('gives log ids in commit order: a transaction that commits late never holds ids below a committed one', async () => {
    const url = await server().createDatabase()
    const engine = await start(url)
    // Transaction A takes its ids and stays open; B (the engine's own group commit, another
    // connection) must wait for it, then take ids after A's: a reader that goes on from the
    // last id it saw (a tail, Ledger-Processed-Up-To) never skips A's logs.
    const a = new pg.Client({ connectionString: url })
    await a.connect()
    try {
      await a.query('BEGIN')
      const aWrite = write(1, ['a1', 'a2'])
      // The engine's own statements, on A's connection.
      const aLast = await storeWrites(a as unknown as pg.PoolClient, [aWrite])
      const bWrite = write(1, ['b1'])
      let bDone = false
      const b = engine.logWrites.commit([bWrite]).then((last) => {
        bDone = true
        return last
      })
      // B is blocked on A's lock (seen in pg_locks), not merely slow.
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      try {
        for (;;) {
          const r = await admin.query("SELECT 1 FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')")
          if (r.rowCount! > 0) break
          await new Promise((r) => setTimeout(r, 10))
        }
        expect(bDone).toBe(false)
        // Before A commits, readers see none of A's ids as committed.
        expect((await admin.query('SELECT last FROM log_ids')).rows[0].last).toBe('0')
      } finally {
        await admin.end()
      }
      await a.query('COMMIT')
      const bLast = await b
      expect(aLast).toBe(2)
      expect(bLast).toBe(3)
      expect(bWrite.lastLogId).toBe(3)
      const ids = await engine.pool.query<{ id: number; message: string }>('SELECT id, message FROM logs ORDER BY id')
      expect(ids.rows).toEqual([
        { id: 1, message: 'a1' },
        { id: 2, message: 'a2' },
        { id: 3, message: 'b1' },
      ])
    } finally {
      await a.end()
    }
  })

  it('lets two group commits be under way at once, ids still in commit order (the setting survives the error guard)', async () => {
    const engine = await start(await server().createDatabase())
    // The ingest service reads it from the guarded store: a guard that kept only methods made
    // every PostgreSQL commit wait for the one before it to be answered.
    expect(engine.logWrites.concurrentCommits).toBe(2)
    const lasts = await Promise.all([
      engine.logWrites.commit([write(1, ['one a', 'one b'])]),
      engine.logWrites.commit([write(1, ['two a'])]),
      engine.logWrites.commit([write(2, ['three a', 'three b', 'three c'])]),
    ])
    // Three commits, six ids, none given twice, each commit's ids together.
    expect(new Set(lasts).size).toBe(3)
    expect(Math.max(...lasts)).toBe(6)
  })

  it('stores a group commit in one INSERT, searchable once indexed', async () => {
    const url = await server().createDatabase()
    const engine = await start(url)
    const last = await engine.logWrites.commit([write(7, ['hello world', 'second']), write(8, ['hello there'])])
    expect(last).toBe(3)
    const search = async () =>
      (await engine.logReads.page({ projectId: 7, limit: 10, search: parseSearchQuery('hello') })).map((r) => r.message)
    // Stored, listed, but not searchable before the indexer's batch.
    expect((await engine.logReads.page({ projectId: 7, limit: 10 })).length).toBe(2)
    expect(await search()).toEqual([])
    expect(await engine.pgIndexer.batch()).toBe('done')
    expect(await search()).toEqual(['hello world'])
    expect(await engine.logWrites.quotaUsed(7, Math.floor(Date.now() / 86_400_000))).toBe(2)
  })

  it('indexes attribute values of ASCII logs (vector made by the daemon) and of the others (made by PostgreSQL)', async () => {
    const url = await server().createDatabase()
    const engine = await start(url)
    const logs = emptyColumns()
    for (const [message, service] of [['plain ascii', 'checkout'], ['café crème', 'checkout'], ['no attributes', null]] as const) {
      const v = validateLog({
        timestamp: '2026-01-01T00:00:00Z', level: 'info', log_type: 'logger', importance: 'standard', message,
        ...(service ? { attributes: { service, code: 42 } } : {}),
      })
      if (!v.ok) throw new Error(v.detail)
      pushLog(logs, v.value)
    }
    const now = Date.now()
    await engine.logWrites.commit([{ projectId: 3, receivedAt: now, day: Math.floor(now / 86_400_000), logs, count: 3, lastLogId: 0 }])
    await engine.pgIndexer.batch()
    const find = async (q: string) =>
      (await engine.logReads.page({ projectId: 3, limit: 10, search: parseSearchQuery(q) })).map((r) => r.message).sort()
    expect(await find('checkout')).toEqual(['café crème', 'plain ascii'])
    expect(await find('42')).toEqual(['café crème', 'plain ascii'])
    expect(await find('cafe')).toEqual(['café crème'])
    expect(await find('attributes')).toEqual(['no attributes'])
  })

  it('tells the other daemons of each indexed batch, in its transaction: its range and its logs per project', async () => {
    const url = await server().createDatabase()
    const engine = await start(url)
    const other = new pg.Client({ connectionString: url })
    await other.connect()
    try {
      const heard: string[] = []
      other.on('notification', (n) => heard.push(n.payload ?? ''))
      await other.query(`LISTEN ${BUS_CHANNEL}`)
      await engine.logWrites.commit([write(7, ['a'])])
      await engine.pgIndexer.batch()
      const last = await engine.logWrites.commit([write(7, ['b', 'c']), write(8, ['d'])])
      await engine.pgIndexer.batch()
      while (heard.length < 2) await new Promise((r) => other.once('notification', r))
      expect(last).toBe(4)
      const wire = heard.map((p) => JSON.parse(p) as { i: string; e: Record<string, unknown> })
      expect(wire.map((w) => w.i)).toEqual([engine.bus.instanceId, engine.bus.instanceId])
      expect(wire.map(({ e }) => ({ ...e, ms: typeof e['ms'] }))).toEqual([
        { kind: 'indexed', from: 0, upTo: 1, rows: 1, ms: 'number', counts: [[7, 1]] },
        { kind: 'indexed', from: 1, upTo: 4, rows: 3, ms: 'number', counts: [[7, 2], [8, 1]] },
      ])
    } finally {
      await other.end()
    }
  })

  it('partitions logs by receive day, made ahead; retention drops whole expired days and trims the days someone still keeps', async () => {
    const url = await server().createDatabase()
    const DAY = 86_400_000
    let now = Date.UTC(2026, 0, 20, 12)
    const engine = await start(url, () => now)
    const today = Math.floor(now / DAY)
    const partitions = async () => (await listPartitions(engine.pool)).map((p) => p.day - today)
    // Yesterday, today and three days ahead, made at start.
    expect(await partitions()).toEqual([-1, 0, 1, 2, 3])
    const account = await engine.accounts.create({ email: 'a@example.com', name: 'A', passwordHash: 'x', now })
    if (account === 'exists') throw new Error('unexpected')
    const project = async (slug: string, days: number) => {
      const p = await engine.projects.create({ accountId: account.id, name: slug, slug, environment: 'prod', now }, 10)
      if (typeof p === 'string') throw new Error(p)
      await engine.projects.update(p.id, { retention_days: days })
      return p.id
    }
    const short = await project('short', 7)
    const long = await project('long', 30)
    // Logs received 10 days ago (their partition is made on demand), 9 days ago for `long` only.
    await engine.logWrites.commit([write(short, ['old short 1', 'old short 2'], now - 10 * DAY), write(long, ['old long'], now - 10 * DAY)])
    await engine.logWrites.commit([write(short, ['old short 3'], now - 9 * DAY)])
    await engine.logWrites.commit([write(short, ['new short'], now), write(long, ['new long'], now)])
    expect(await partitions()).toEqual([-10, -9, -1, 0, 1, 2, 3])
    await engine.pgIndexer.batch()
    const messages = async () => (await engine.pool.query<{ message: string }>('SELECT message FROM logs ORDER BY id')).rows.map((r) => r.message)
    // The full text goes with its log: the same ids in log_search, partitioned by the same days.
    const indexed = async () => (await engine.pool.query<{ id: number }>('SELECT id FROM log_search ORDER BY id')).rows.map((r) => r.id)
    const ids = async () => (await engine.pool.query<{ id: number }>('SELECT id FROM logs ORDER BY id')).rows.map((r) => r.id)
    expect(await indexed()).toEqual(await ids())

    // Day -9 holds only logs past their retention: dropped whole. Day -10 holds one `long`
    // keeps: trimmed row by row instead.
    const deleted = await engine.retention.expire(short, now - 7 * DAY, 1000)
    expect(deleted).toBe(3)
    expect(await partitions()).toEqual([-10, -1, 0, 1, 2, 3])
    expect(await messages()).toEqual(['old long', 'new short', 'new long'])
    expect(await indexed()).toEqual(await ids())

    // Three weeks later `long`'s log is due as well: its day goes whole; new days were made ahead.
    now += 21 * DAY
    await engine.retention.expire(long, now - 30 * DAY, 1000)
    expect((await partitions()).map((d) => d - 21)).toEqual(expect.arrayContaining([0, 1, 2, 3]))
    expect(await partitions()).not.toContain(-10)
    expect(await messages()).toEqual(['new short', 'new long'])
    expect(await indexed()).toEqual(await ids())
  })

  it('keeps an Idempotency-Key once across daemons: a second commit with a live key stores nothing; an expired key is replaced', async () => {
    const url = await server().createDatabase()
    const [a, b] = await Promise.all([start(url), start(url)])
    const now = Date.now()
    const keyed = (messages: string[], createdAt: number, replaceBefore: number): LogWrite => ({
      ...write(1, messages, createdAt),
      idempotency: { key: 'K', bodyHash: 'h', response: '{"accepted":1}', createdAt, replaceBefore },
    })
    await a.logWrites.commit([keyed(['first'], now, now - 86_400_000)])
    // The other daemon, the same key while the first record lives: refused whole (a 503), with
    // the other write of its group commit, which its client retries.
    const refused = await b.logWrites.commit([keyed(['second'], now + 1, now + 1 - 86_400_000), write(1, ['bystander'])]).catch((e: Error) => e)
    expect(refused).toBeInstanceOf(StorageUnavailableError)
    expect((await b.pool.query('SELECT message FROM logs ORDER BY id')).rows.map((r) => r.message)).toEqual(['first'])
    // A day later the record has expired: the key may be used again.
    const later = now + 86_400_001
    await b.logWrites.commit([keyed(['third'], later, later - 86_400_000)])
    expect(await b.logWrites.findIdempotency(1, 'K')).toMatchObject({ created_at: later })
    expect((await b.pool.query('SELECT message FROM logs ORDER BY id')).rows.map((r) => r.message)).toEqual(['first', 'third'])
  })

  it('pages a phrase search through the newest logs first, with the same pages as the GIN way', async () => {
    const url = await server().createDatabase()
    const engine = await start(url)
    const messages = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? `served cache ${i}` : `cache served ${i}`))
    await engine.logWrites.commit([write(1, messages)])
    await engine.pgIndexer.batch()
    const search = parseSearchQuery('"cache served"')
    // Newest first by (timestamp, id): the same timestamp, so by id.
    const expected = messages.map((m, i) => ({ m, id: i + 1 })).filter((x) => x.m.startsWith('cache served')).reverse()
    const first = await engine.logReads.page({ projectId: 1, limit: 10, search })
    expect(first.map((r) => r.id)).toEqual(expected.slice(0, 10).map((x) => x.id))
    const last = first.at(-1)!
    const second = await engine.logReads.page({ projectId: 1, limit: 10, search, before: { timestamp: last.timestamp, id: last.id } })
    expect(second.map((r) => r.id)).toEqual(expected.slice(10, 20).map((x) => x.id))
    // Fewer matches than a page: the GIN way, the same answer.
    const all = await engine.logReads.page({ projectId: 1, limit: 100, search })
    expect(all.map((r) => r.id)).toEqual(expected.map((x) => x.id))
  })

  it('says which server it cannot reach, without the password', async () => {
    const url = await server().createDatabase()
    const dead = url.replace(/:(\d+)\//, ':1/')
    const err = await PostgresStorage.open({ url: dead }, quiet, Date.now).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/^cannot reach PostgreSQL at postgres:\/\/ledger_test_\d+:\*\*\*@127\.0\.0\.1:1\//)
    const password = decodeURIComponent(new URL(url).password)
    expect((err as Error).message).not.toContain(password)
    expect((err as Error).message).not.toContain(new URL(url).password)
  })
})
