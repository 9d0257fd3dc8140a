import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectError } from '../helpers/assertions.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { postgresSkipReason, usePostgres } from '../helpers/postgres.js'

// The daemon on PostgreSQL when PostgreSQL misbehaves: away (halted) while the daemon runs,
// connections terminated under it. A 202 only for what was committed, 503 + Retry-After while it is away, recovery without a restart, and never a 500.

const skip = postgresSkipReason()

describe.skipIf(skip !== null)('the daemon when PostgreSQL fails', () => {
  const server = usePostgres({ fsync: false })
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon({ databaseUrl: await server().createDatabase() })
  })
  afterAll(async () => {
    await d?.close()
  })

  const batch = (c: TestDaemon['client'], logs: unknown[]) => c.raw('POST', '/api/v1/ingest/batch', { body: { logs } })

  it('answers 503 with Retry-After while PostgreSQL is away (ingestion, reads, /health), and recovers by itself', async () => {
    const { keyClient } = await accountWithKey(d.client, 'away')
    expect((await batch(keyClient, [log({ message: 'before' })])).status).toBe(202)
    await server().halt()
    try {
      const refused = await batch(keyClient, [log({ message: 'while away' })])
      expectError(refused, 503)
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      // Reads too (the key is known to the daemon: the read itself needs the database).
      const read = await keyClient.raw('GET', '/api/v1/logs')
      expectError(read, 503)
      expect(read.headers['retry-after']).toBeDefined()
      const health = await d.client.raw('GET', '/health')
      expect(health.status).toBe(503)
      expect(health.body).toMatchObject({ status: 'unhealthy', detail: expect.stringContaining('PostgreSQL is unreachable') })
      // Writes are refused at once while it is away, whatever the route.
      const again = await batch(keyClient, [log({ message: 'still away' })])
      expectError(again, 503)
      // An indexing pass fails meanwhile, and says so.
      const indexer = d.services.storage.indexer
      indexer.kick()
      await waitFor(() => indexer.status.last_error !== null, 5000, 'an indexing pass to fail')
    } finally {
      await server().resume()
    }
    // Nothing restarted: the probe finds the server, /health and ingestion come back.
    await waitFor(async () => (await d.client.raw('GET', '/health')).status === 200, 15_000, 'healthy again')
    expect((await batch(keyClient, [log({ message: 'after' })])).status).toBe(202)
    const messages = (await keyClient.logs()).logs.map((l) => l.message)
    // What got a 503 was not stored; what got a 202 was.
    expect(messages).toEqual(['after', 'before'])
    // Indexing went on by itself too (its batches failed while the server was away).
    await waitFor(async () => (await keyClient.logs({ q: 'after OR before' })).logs.length === 2, 15_000, 'indexing again')
    expect((await keyClient.queueDepth()).queue_depth).toBe(0)
  })

  it('replaces connections ended by pg_terminate_backend: a request may get a 503, never a 500, and the next ones work', async () => {
    const { keyClient } = await accountWithKey(d.client, 'terminated')
    expect((await batch(keyClient, [log({ message: 'one' })])).status).toBe(202)
    const before = await server().admin<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'ledger'",
    )
    expect(before.length).toBeGreaterThan(0)
    // The 5 s timeout makes pg_terminate_backend wait until each backend is gone.
    await server().admin("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = 'ledger'")
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const r = await batch(keyClient, [log({ message: `after kill ${i}` })])
      statuses.push(r.status)
      if (r.status !== 202) expectError(r, 503)
    }
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThanOrEqual(4)
    expect(statuses.at(-1)).toBe(202)
    const after = await server().admin<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'ledger'")
    expect(after.length).toBeGreaterThan(0)
    for (const p of after) expect(before.map((b) => b.pid)).not.toContain(p.pid)
    expect((await d.client.raw('GET', '/health')).status).toBe(200)
    // The indexer's connection was among those ended: every stored log is searchable all the same.
    const stored = 1 + statuses.filter((s) => s === 202).length
    await waitFor(async () => (await keyClient.logs({ q: 'one OR kill' })).logs.length === stored, 15_000, 'indexing again')
  })
})
