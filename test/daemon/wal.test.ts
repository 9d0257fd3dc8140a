import { statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataFiles } from '../../src/shared/paths.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'

// The write-ahead log of the database file, and the full-text file's rollback journal, stay under
// their bound while logs stream in, and are emptied once the stream stops. Before, only PASSIVE checkpoints ran from another thread:
// under a stream of commits they never caught up, and the WAL grew by ~1 KB per accepted log
// (9 GB in 30 s), and kept its size when idle.

const LIMIT_MB = 16
const size = (file: string) => {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

let d: TestDaemon
beforeAll(async () => {
  d = await startTestDaemon({ walLimitMb: LIMIT_MB, queueCapacity: 1_000_000 }, { realClock: true })
})
afterAll(async () => {
  await d?.close()
})

describe('write-ahead log', () => {
  it('stays under its bound, in both files, however long batches keep coming', async () => {
    const { keyClient, account, key } = await accountWithKey(d.client, 'wal-bound')
    await account.client.setKeyLimits(key.key_id, {
      algorithm: 'token_bucket',
      tokens_per_second: 100_000,
      burst_capacity: 100_000,
    })
    const files = dataFiles(d.dataDir)
    const bound = LIMIT_MB * 1024 * 1024
    let largest = 0
    let largestFulltext = 0
    let largestJournal = 0
    let accepted = 0
    // 150,000 logs: without checkpoints that catch up, ~150 MB of WAL.
    const target = 150_000
    let next = 0
    const client = async () => {
      while (accepted < target) {
        const n = next++
        const logs = Array.from({ length: 1000 }, (_, i) =>
          log({ message: `wal bound ${n}-${i} some words to index`, attributes: { n, i, service: 'wal-test' } }),
        )
        for (;;) {
          const res = await keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs } })
          largest = Math.max(largest, size(`${files.database}-wal`))
          largestFulltext = Math.max(largestFulltext, size(`${files.fulltext}-wal`))
          largestJournal = Math.max(largestJournal, size(`${files.fulltext}-journal`))
          if (res.status === 202) break
          // Busy (the queue or the WAL): as told, but briefly, to keep the test short.
          expect(res.status, JSON.stringify(res.body)).toBe(503)
          await new Promise((r) => setTimeout(r, 100))
        }
        accepted += 1000
      }
    }
    await Promise.all(Array.from({ length: 4 }, client))
    expect(accepted).toBeGreaterThanOrEqual(target)
    expect(largest).toBeLessThanOrEqual(bound)
    expect(largestFulltext).toBeLessThanOrEqual(bound)
    expect(largestJournal).toBeLessThanOrEqual(bound)
    // And the logs are all there, and all become searchable.
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0, 120_000, 'the queue to drain')
    const found = await keyClient.logs({ q: 'wal', limit: 1 })
    expect(found.logs).toHaveLength(1)
  })

  it('is emptied once writes stop: both files return to nothing while the daemon runs', async () => {
    const files = dataFiles(d.dataDir)
    const { keyClient } = await accountWithKey(d.client, 'wal-idle')
    const res = await keyClient.raw('POST', '/api/v1/ingest/batch', {
      body: { logs: Array.from({ length: 1000 }, (_, i) => log({ message: `idle ${i}` })) },
    })
    expect(res.status).toBe(202)
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0, 30_000, 'the queue to drain')
    await waitFor(
      () =>
        size(`${files.database}-wal`) === 0 &&
        size(`${files.fulltext}-wal`) === 0 &&
        size(`${files.fulltext}-journal`) === 0,
      30_000,
      'the WAL and the journal to be truncated',
    )
    const health = await d.client.deepHealth()
    const database = health.services['database'] as { wal: { bytes: number; limit_bytes: number } }
    expect(database.wal.limit_bytes).toBe(LIMIT_MB * 1024 * 1024)
  })
})
