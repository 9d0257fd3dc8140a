import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerClient, RawResponse } from '../../src/client/index.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'

// `Ledger-Last-Log-Id` on ingestion answers and `Ledger-Processed-Up-To` on the queue depth:
// together they tell a client when what it sent is searchable (`ledger ingest --wait`).

let d: TestDaemon
beforeAll(async () => {
  d = await startTestDaemon()
})
afterAll(async () => {
  await d.close()
})

const lastId = (r: RawResponse) => r.headers['ledger-last-log-id']
const processedUpTo = async (c: LedgerClient) =>
  Number((await c.raw('GET', '/api/v1/queue/depth')).headers['ledger-processed-up-to'])

/** The largest id of a project's stored logs, indexed yet or not. */
async function maxStoredId(projectId: number): Promise<number> {
  const [row] = await d.sql<{ id: number | null }>('SELECT max(id) AS id FROM logs WHERE project_id = ?', projectId)
  return row?.id ?? 0
}

describe('Ledger-Last-Log-Id', () => {
  it('is the largest id a request stored, on single, batch and OTLP answers; bodies are unchanged', async () => {
    const { keyClient, project } = await accountWithKey(d.client, 'last-id')
    const single = await keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ message: 'one' }) })
    expect(single.status).toBe(202)
    expect(single.body).toEqual({ accepted: 1, rejected: 0, message: 'Log accepted for processing' })
    expect(lastId(single)).toBe(String(await maxStoredId(project.project_id)))

    const batch = await keyClient.raw('POST', '/api/v1/ingest/batch', {
      body: { logs: [log({ message: 'two' }), log({ level: 'loud' }), log({ message: 'three' })] },
    })
    expect(batch.status).toBe(202)
    expect(batch.body).toEqual({ accepted: 2, rejected: 1, errors: [expect.stringMatching(/^Log 1: /)] })
    expect(Number(lastId(batch))).toBe(await maxStoredId(project.project_id))
    expect(Number(lastId(batch))).toBeGreaterThan(Number(lastId(single)))

    const otlp = await keyClient.raw('POST', '/v1/logs', {
      rawBody: Buffer.from(
        JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'four' } }] }] }] }),
      ),
      headers: { 'content-type': 'application/json' },
    })
    expect(otlp.status).toBe(200)
    expect(otlp.body).toEqual({})
    expect(Number(lastId(otlp))).toBe(await maxStoredId(project.project_id))
  })

  it('is absent when nothing was stored: a batch of invalid logs, an empty OTLP request', async () => {
    const { keyClient } = await accountWithKey(d.client, 'no-last-id')
    const invalid = await keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs: [log({ level: 'loud' })] } })
    expect(invalid.status).toBe(400)
    expect(lastId(invalid)).toBeUndefined()
    const empty = await keyClient.raw('POST', '/v1/logs', {
      rawBody: Buffer.from('{}'),
      headers: { 'content-type': 'application/json' },
    })
    expect(empty.status).toBe(200)
    expect(lastId(empty)).toBeUndefined()
  })

  it("a replay (concurrent, or from the stored record) carries the original's id", async () => {
    const { keyClient } = await accountWithKey(d.client, 'replay-id')
    const body = { logs: [log({ message: 'a' }), log({ message: 'b' })] }
    const headers = { 'idempotency-key': 'replay-id-1' }
    const [first, concurrent] = await Promise.all([
      keyClient.raw('POST', '/api/v1/ingest/batch', { body, headers }),
      keyClient.raw('POST', '/api/v1/ingest/batch', { body, headers }),
    ])
    // Something else is stored in between: a replay must not answer the newest id.
    await keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ message: 'later' }) })
    const stored = await keyClient.raw('POST', '/api/v1/ingest/batch', { body, headers })
    expect([first.status, concurrent.status, stored.status]).toEqual([202, 202, 202])
    expect(stored.headers['idempotent-replayed']).toBe('true')
    expect(lastId(first)).toMatch(/^\d+$/)
    expect(lastId(concurrent)).toBe(lastId(first))
    expect(lastId(stored)).toBe(lastId(first))
  })
})

describe('Ledger-Processed-Up-To', () => {
  it('stays below a queued log until it is processed; once it reaches the id, the log is searchable', async () => {
    const { keyClient } = await accountWithKey(d.client, 'processed-up-to')
    const before = await keyClient.raw('GET', '/api/v1/queue/depth')
    expect(before.headers['ledger-processed-up-to']).toMatch(/^\d+$/)
    d.services.queue.pause()
    let last: number
    try {
      const r = await keyClient.raw('POST', '/api/v1/ingest/batch', {
        body: { logs: Array.from({ length: 50 }, (_, i) => log({ message: `needle${i} haystack` })) },
      })
      last = Number(lastId(r))
      expect(await processedUpTo(keyClient)).toBeLessThan(last)
      // Not searchable before it is indexed (either engine).
      expect((await keyClient.logs({ q: 'haystack' })).logs).toHaveLength(0)
    } finally {
      d.services.queue.resume()
    }
    await waitFor(async () => (await processedUpTo(keyClient)) >= last, 10_000, 'processing')
    // No waiting beyond the header: everything up to it is searchable now.
    expect((await keyClient.logs({ q: 'haystack', limit: '100' })).logs).toHaveLength(50)
    expect(await keyClient.queueDepth()).toEqual({ project_id: expect.any(Number), queue_depth: 0 })
  })
})
