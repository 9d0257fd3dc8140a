import { rmSync } from 'node:fs'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { LedgerClient, type LedgerTail } from '../../src/client/index.js'
import type { TailEvent } from '../../src/contract/logs.js'
import { accountWithKey, log, type SpawnedDaemon, spawnDaemon, waitFor } from '../helpers/daemon.js'
import { postgresSkipReason, usePostgres } from '../helpers/postgres.js'

// Issue #13 (tracker 20), item 5: kill -9 of one daemon of three, real processes on one
// PostgreSQL, while all three take batches. Every batch acknowledged (202) by any daemon, the
// killed one included, is stored exactly once; a batch whose answer was lost with the daemon,
// sent again with its Idempotency-Key to another daemon, is stored once; a batch the killed
// daemon acknowledged, replayed against another, gets the original answer and stores nothing.

const skip = postgresSkipReason()
const BATCH = 25

interface Sent {
  tag: string
  daemon: number
  logs: unknown[]
  /** The answer, or `lost` when the connection died with the daemon. */
  status: number | 'lost'
  body?: unknown
}

describe.skipIf(skip !== null)('kill -9 of one daemon of three under load', () => {
  const server = usePostgres({ fsync: false })
  const daemons: SpawnedDaemon[] = []
  afterAll(async () => {
    for (const d of daemons) {
      await d.stop('SIGKILL')
      rmSync(d.home, { recursive: true, force: true })
    }
  })

  it('every acknowledged batch is stored exactly once; lost answers and replays through another daemon store nothing twice', async () => {
    const url = await server().createDatabase()
    const env = { LEDGER_DATABASE_URL: url, LEDGER_SCRYPT_LOG_N: '12' }
    // One after the other: the first migrates (the others would wait for its lock anyway).
    for (let i = 0; i < 3; i++) daemons.push(await spawnDaemon({ env }))
    const setup = new LedgerClient({ baseUrl: daemons[0]!.url, timeoutMs: 10_000 })
    const { key } = await accountWithKey(setup, 'crash')
    const clients = daemons.map((d) => new LedgerClient({ baseUrl: d.url, credential: key.full_key, timeoutMs: 10_000 }))
    const victim = 2

    // A tail on a survivor, open through it all: it must show every stored log once.
    const tail: LedgerTail = await clients[0]!.tail()
    const tailed: TailEvent[] = []
    const tailing = (async () => {
      for await (const e of tail) tailed.push(e)
    })()
    tailing.catch(() => undefined)

    const sent: Sent[] = []
    let running = true
    let killed = false
    const worker = async (n: number, w: number) => {
      for (let r = 0; running; r++) {
        const tag = `d${n}w${w}r${r}`
        const s: Sent = { tag, daemon: n, logs: Array.from({ length: BATCH }, (_, i) => log({ message: `${tag} ${i}` })), status: 'lost' }
        sent.push(s)
        try {
          const res = await clients[n]!.raw('POST', '/api/v1/ingest/batch', { body: { logs: s.logs }, headers: { 'idempotency-key': tag } })
          s.status = res.status
          s.body = res.body
        } catch (err) {
          // Only the killed daemon's connections may fail.
          if (n !== victim || !killed) throw err
          return
        }
      }
    }
    const acked = (n: number) => sent.filter((s) => s.daemon === n && s.status === 202).length
    const load = [0, 1, 2].flatMap((n) => [worker(n, 0), worker(n, 1)])
    await waitFor(() => acked(victim) >= 20 && acked(0) >= 10 && acked(1) >= 10, 30_000, 'load on all three daemons')

    const killedAt = { 0: acked(0), 1: acked(1) }
    killed = true
    daemons[victim]!.child.kill('SIGKILL')
    await daemons[victim]!.stop()
    // The survivors go on taking the load.
    await waitFor(() => acked(0) >= killedAt[0] + 20 && acked(1) >= killedAt[1] + 20, 30_000, 'load after the kill')
    running = false
    await Promise.all(load)

    // Only the killed daemon lost answers; none of the others refused anything.
    expect(sent.filter((s) => s.status !== 202 && s.status !== 'lost')).toEqual([])
    expect(sent.filter((s) => s.status === 'lost').every((s) => s.daemon === victim)).toBe(true)

    // A lost answer is sent again, with its Idempotency-Key, to a survivor: stored once whether
    // or not the killed daemon had committed it (then the answer is the original one, replayed).
    const lost = sent.filter((s) => s.status === 'lost')
    for (const s of lost) {
      const res = await clients[0]!.raw('POST', '/api/v1/ingest/batch', { body: { logs: s.logs }, headers: { 'idempotency-key': s.tag } })
      expect(res.status).toBe(202)
      expect(res.body).toMatchObject({ accepted: BATCH, rejected: 0 })
      s.status = 202
      s.body = res.body
    }
    // Batches the killed daemon acknowledged, replayed through each survivor: the original
    // answer, marked as a replay, and nothing stored again.
    const victimAcked = sent.filter((s) => s.daemon === victim && s.status === 202 && !lost.includes(s))
    expect(victimAcked.length).toBeGreaterThanOrEqual(20)
    for (const s of victimAcked.slice(-5)) {
      for (const n of [0, 1]) {
        const res = await clients[n]!.raw('POST', '/api/v1/ingest/batch', { body: { logs: s.logs }, headers: { 'idempotency-key': s.tag } })
        expect(res.status).toBe(202)
        expect(res.headers['idempotent-replayed']).toBe('true')
        expect(res.body).toEqual(s.body)
      }
    }

    // Every acknowledged batch: all its logs, each exactly once; nothing else stored.
    const db = new pg.Client({ connectionString: url })
    await db.connect()
    let stored: Map<string, number>
    let total: number
    try {
      const rows = (await db.query<{ message: string; n: string }>('SELECT message, count(*) AS n FROM logs GROUP BY message')).rows
      stored = new Map(rows.map((r) => [r.message, Number(r.n)]))
      total = rows.reduce((n, r) => n + Number(r.n), 0)
    } finally {
      await db.end()
    }
    const expected = sent.filter((s) => s.status === 202).flatMap((s) => Array.from({ length: BATCH }, (_, i) => `${s.tag} ${i}`))
    expect([...stored].filter(([, n]) => n !== 1)).toEqual([])
    expect(expected.filter((m) => !stored.has(m))).toEqual([])
    expect(total).toBe(expected.length)

    // The survivor's tail showed every stored log once, in id order.
    await waitFor(() => tailed.length >= total, 20_000, 'the tail to show every stored log')
    tail.close()
    const ids = tailed.map((e) => e.id)
    expect(new Set(ids).size).toBe(total)
    expect([...ids].sort((a, b) => a - b)).toEqual(ids)
    expect(new Set(tailed.map((e) => e.log.message))).toEqual(new Set(expected))
    await Promise.all(clients.map((c) => c.close()))
    await setup.close()
  })
})
