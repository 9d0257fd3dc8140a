import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RawResponse } from '../../src/client/index.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js'

// Issue #14, item 4: a full disk under the database. A write the disk has no room for is
// refused with 503 + Retry-After and a detail saying the disk is full (never a bare 500, never
// a 202 for what was not stored); /health says unhealthy and why; everything works again by
// itself once there is room. The data dir is on a small tmpfs of its own.

const mounted = mountTmpfs(24)
const skip = 'skip' in mounted ? mounted.skip : undefined

describe.skipIf(skip !== undefined)(`the database on a full disk${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let fs: Tmpfs
  let d: TestDaemon

  beforeAll(async () => {
    fs = mounted as Tmpfs
    d = await startTestDaemon({ dataDir: join(fs.dir, 'data') }, { realClock: true })
  })
  afterAll(async () => {
    await d?.close()
    fs.unmount()
  })

  it('refuses with 503 "disk full", says so on /health, stores exactly what it acknowledged, and recovers by itself', async () => {
    const { keyClient } = await accountWithKey(d.client, 'full')
    const batch = (n: number, tag: string) =>
      Array.from({ length: 200 }, (_, i) => log({ message: `${tag} ${n}-${i} ${'x'.repeat(400)}` }))
    expect((await keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs: batch(0, 'before') } })).status).toBe(202)
    expect((await d.client.raw('GET', '/health')).status).toBe(200)

    fs.fill()
    // /health looks at free space every second: unhealthy, and why, before any write fails.
    const unhealthy = await waitFor(async () => {
      const r = await d.client.raw('GET', '/health')
      return r.status === 503 ? r : null
    }, 5000, '/health to say unhealthy')
    expect(unhealthy.body).toEqual({ status: 'unhealthy', detail: expect.stringMatching(/full.*free some space/) })

    // Writes until the database has no room left (SQLite reuses some WAL space first).
    let accepted = 200
    let refused: RawResponse | undefined
    const statuses = new Set<number>()
    for (let n = 1; n <= 200 && !refused; n++) {
      const r = await keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs: batch(n, 'during') } })
      statuses.add(r.status)
      if (r.status === 202) accepted += (r.body as { accepted: number }).accepted
      else refused = r
    }
    expect(refused, `statuses: ${[...statuses].join(', ')}`).toBeDefined()
    expect(refused!.status).toBe(503)
    expect(refused!.body).toEqual({ detail: expect.stringContaining('disk full') })
    expect(refused!.headers['retry-after']).toBe('10')
    expect(statuses).not.toContain(500)
    // A smaller write may still find a free page (then it is stored like any other); if not, it
    // is refused the same way. Reads still work.
    const single = await keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ message: 'during single' }) })
    if (single.status === 202) accepted += 1
    else expect(single).toMatchObject({ status: 503, body: { detail: expect.stringContaining('disk full') } })
    expect((await keyClient.raw('GET', '/api/v1/logs', { query: { limit: '1' } })).status).toBe(200)
    const deep = await d.client.deepHealth()
    expect(deep.status).toBe('unhealthy')
    expect(deep.services['storage']).toMatchObject({ status: 'unhealthy', disk_full_since: expect.any(String) })

    fs.free()
    await waitFor(async () => (await d.client.raw('GET', '/health')).status === 200, 5000, '/health to recover')
    const after = await keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs: batch(999, 'after') } })
    expect(after.status).toBe(202)
    accepted += 200
    // Everything acknowledged is stored, once; nothing refused is; the worker catches up by itself.
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0, 30_000, 'processing to resume')
    const db = d.inspect()
    const stored = db.prepare("SELECT count(*) AS n FROM logs WHERE message LIKE 'before %' OR message LIKE 'during %' OR message LIKE 'after %'").get() as { n: number }
    expect(stored.n).toBe(accepted)
    const distinct = db.prepare("SELECT count(DISTINCT message) AS n FROM logs").get() as { n: number }
    expect(distinct.n).toBe(accepted)
    expect((await d.client.deepHealth()).services['storage']).toMatchObject({ status: 'healthy', disk_full_since: null })
  }, 90_000)
})
