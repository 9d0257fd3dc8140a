import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerTail } from '../../src/client/index.js'
import type { TailEvent } from '../../src/contract/logs.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { log, PASSWORD, registerAccount, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { postgresSkipReason, usePostgres } from '../helpers/postgres.js'
import { consume } from '../helpers/tails.js'

// Issue #13 (tracker 20), item 3: three daemons on one PostgreSQL behave as one. A tail on one
// daemon shows what another accepted within a second and resumes on a third with Last-Event-ID;
// a key revoked or disabled, a logout, a refresh token reused, a limit changed on one daemon take
// effect on the others within a second; queue depth counts every daemon's queue. The daemons
// hear of each other only through PostgreSQL (LISTEN/NOTIFY).

const skip = postgresSkipReason()

/** Opens a tail on daemon `d` and waits until `d` holds it (caught up, fed by its shared read). */
async function tailOn(d: TestDaemon, open: () => Promise<LedgerTail>) {
  const before = d.services.tail.count
  const tail = await open()
  await waitFor(() => d.services.tail.count > before, 5000, 'the tail to open')
  return { tail, ...consume(tail) }
}

/** An account, a project and a key, made through `d`. */
async function setUp(d: TestDaemon, slug: string) {
  const account = await registerAccount(d.client)
  const project = await account.client.createProject({ name: slug, slug })
  const key = await account.client.createApiKey(project.project_id, { name: 'k' })
  return { account, project, key }
}

describe.skipIf(skip !== null)('three daemons on one PostgreSQL', () => {
  const server = usePostgres({ fsync: false })
  let cluster: TestCluster
  let a: TestDaemon
  let b: TestDaemon
  let c: TestDaemon
  beforeAll(async () => {
    cluster = await startCluster(server, 3)
    ;[a, b, c] = cluster.daemons as [TestDaemon, TestDaemon, TestDaemon]
  })
  afterAll(async () => {
    await cluster?.close()
  })

  it('a tail on daemon B shows each log accepted by daemon A within a second, in id order', async () => {
    const { project, key } = await setUp(a, 'live')
    const onA = a.client.withCredential(key.full_key)
    const onB = b.client.withCredential(key.full_key)
    // Caught up and fed by B's shared read: what only a notification from A can wake.
    const run = await tailOn(b, () => onB.tail())
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now()
      await onA.ingestSingle(log({ message: `from A ${i}` }))
      await waitFor(() => run.events.length === i + 1, 5000, `log ${i} on B's tail`)
      expect(Date.now() - t0).toBeLessThan(1000)
    }
    // Logs of another project, committed by A and C in between, are not this tail's.
    const other = await setUp(c, 'live-other')
    await c.client.withCredential(other.key.full_key).ingestBatch([log({ message: 'not mine' })])
    await onA.ingestSingle(log({ message: 'last' }))
    await waitFor(() => run.events.length === 6, 5000, 'the last log')
    expect(run.events.map((e) => e.log.message)).toEqual(['from A 0', 'from A 1', 'from A 2', 'from A 3', 'from A 4', 'last'])
    expect(run.events.every((e) => e.log.project_id === project.project_id)).toBe(true)
    run.tail.close()
  })

  it('a tail on B hears logs committed on all three daemons at once, none missed, none twice', async () => {
    const { key } = await setUp(a, 'busy')
    const clients = [a, b, c].map((d) => d.client.withCredential(key.full_key))
    const run = await tailOn(b, () => clients[1]!.tail())
    // 3 daemons × 10 rounds of 20-log batches, concurrently: commits interleave, and a
    // daemon's own commit often returns before the notification of another's earlier one.
    await Promise.all(
      clients.map(async (cl, n) => {
        for (let r = 0; r < 10; r++) {
          await cl.ingestBatch(Array.from({ length: 20 }, (_, i) => log({ message: `d${n} r${r} #${i}` })))
        }
      }),
    )
    await waitFor(() => run.events.length >= 600, 10_000, '600 logs on the tail')
    const ids = run.events.map((e) => e.id)
    expect(ids.length).toBe(600)
    expect(new Set(ids).size).toBe(600)
    expect([...ids].sort((x, y) => x - y)).toEqual(ids)
    run.tail.close()
  })

  it('resumes on daemon C with Last-Event-ID after a tail on B: no gap, no repeat', async () => {
    const { key } = await setUp(a, 'resume')
    const [onA, onB, onC] = [a, b, c].map((d) => d.client.withCredential(key.full_key)) as [
      TestDaemon['client'],
      TestDaemon['client'],
      TestDaemon['client'],
    ]
    const first = await onB.tail()
    const got: TailEvent[] = []
    for (let i = 0; i < 3; i++) await onA.ingestSingle(log({ message: `one ${i}` }))
    for await (const e of first) {
      got.push(e)
      if (got.length === 3) break
    }
    first.close()
    const resumeFrom = first.lastEventId!
    // While nobody tails: logs through every daemon.
    for (const [i, cl] of [onA, onB, onC, onA].entries()) await cl.ingestSingle(log({ message: `gap ${i}` }))
    const second = await tailOn(c, () => onC.tail({}, { lastEventId: resumeFrom }))
    await onB.ingestSingle(log({ message: 'after' }))
    await waitFor(() => second.events.length === 5, 5000, 'the resumed tail to catch up')
    const all = [...got, ...second.events]
    expect(all.map((e) => e.log.message)).toEqual(['one 0', 'one 1', 'one 2', 'gap 0', 'gap 1', 'gap 2', 'gap 3', 'after'])
    // The same logs, in the same order, as the project's stored logs (oldest first).
    const stored = (await onC.logs({ limit: 100 })).logs.map((l) => l.id).reverse()
    expect(all.map((e) => e.id)).toEqual(stored)
    second.tail.close()
  })

  it('a key revoked on A is refused on B within a second, and the tail it holds on B ends', async () => {
    const { account, project, key } = await setUp(a, 'revoke')
    const onB = b.client.withCredential(key.full_key)
    // B has the key cached (it authenticated it), and a tail open with it.
    expect((await onB.raw('GET', '/api/v1/queue/depth')).status).toBe(200)
    const run = await tailOn(b, () => onB.tail())
    const open = b.services.tail.count
    await account.client.revokeApiKey(key.key_id)
    const t0 = Date.now()
    await waitFor(async () => (await onB.raw('GET', '/api/v1/queue/depth')).status === 401, 5000, '401 on B')
    await run.done
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(run.events.length).toBe(0)
    await waitFor(() => b.services.tail.count === open - 1, 1000, 'B to release the tail')
    // C too (it never saw the key: it looks it up), and ingestion through any daemon.
    expect((await c.client.withCredential(key.full_key).raw('GET', '/api/v1/queue/depth')).status).toBe(401)
    const ingest = await onB.raw('POST', '/api/v1/ingest/single', { body: log() })
    expect(ingest.status).toBe(401)
    expect(project.project_id).toBeGreaterThan(0)
  })

  it('a key disabled on A is refused on B within a second, with key_disabled on its tail; enabled again, B takes it', async () => {
    const { account, key } = await setUp(a, 'disable')
    const onB = b.client.withCredential(key.full_key)
    expect((await onB.raw('GET', '/api/v1/queue/depth')).status).toBe(200)
    const run = await tailOn(b, () => onB.tail())
    const tail = run.tail
    const t0 = Date.now()
    await account.client.updateApiKey(key.key_id, { is_active: false })
    await run.done
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(tail.ended?.reason).toBe('key_disabled')
    expect((await onB.raw('GET', '/api/v1/queue/depth')).status).toBe(401)
    await account.client.updateApiKey(key.key_id, { is_active: true })
    expect((await onB.raw('GET', '/api/v1/queue/depth')).status).toBe(200)
  })

  it('a logout on A ends, on B, the access token and the tail it holds, within a second', async () => {
    const account = await registerAccount(a.client)
    const project = await account.client.createProject({ name: 'out', slug: 'logout' })
    const onB = b.client.withCredential(account.access_token)
    expect((await onB.raw('GET', '/api/v1/accounts/me')).status).toBe(200)
    const run = await tailOn(b, () => onB.tail({ project_id: project.project_id }))
    const tail = run.tail
    const t0 = Date.now()
    await account.client.logout()
    await run.done
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(tail.ended?.reason).toBe('logged_out')
    expect((await onB.raw('GET', '/api/v1/accounts/me')).status).toBe(401)
  })

  it('a refresh token reused on A revokes the session on every daemon: the tail on B ends with refresh_token_reused', async () => {
    const account = await registerAccount(a.client)
    const project = await account.client.createProject({ name: 'reuse', slug: 'reuse' })
    // A second session of the account: logged in through C.
    const login = await c.client.login({ email: account.email, password: PASSWORD })
    const run = await tailOn(b, () => b.client.withCredential(login.access_token).tail({ project_id: project.project_id }))
    const tail = run.tail
    await a.client.refresh(login.refresh_token)
    const t0 = Date.now()
    // The spent token again, on A: theft detected, the whole session revoked.
    expect((await a.client.raw('POST', '/api/v1/accounts/refresh', { body: { refresh_token: login.refresh_token } })).status).toBe(401)
    await run.done
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(tail.ended?.reason).toBe('refresh_token_reused')
    // The first session is untouched.
    expect((await b.client.withCredential(account.access_token).raw('GET', '/api/v1/accounts/me')).status).toBe(200)
  })

  it('limits changed on A apply on B within a second (B had the key running on the default limits)', async () => {
    const { account, key } = await setUp(a, 'limits')
    const onB = b.client.withCredential(key.full_key)
    const before = await onB.raw('GET', '/api/v1/queue/depth')
    expect(before.headers['x-ratelimit-limit']).toBe('1000')
    await account.client.setKeyLimits(key.key_id, { algorithm: 'fixed_window', tokens_per_second: 0.05, burst_capacity: 3 })
    const t0 = Date.now()
    await waitFor(async () => (await onB.raw('GET', '/api/v1/queue/depth')).headers['x-ratelimit-limit'] === '3', 5000, 'B to use the new limit')
    expect(Date.now() - t0).toBeLessThan(1000)
    // And B enforces it: 3 a minute (B's own window: buckets are per daemon without Redis).
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await onB.raw('GET', '/api/v1/queue/depth')).status)
    expect(statuses).toContain(429)
    expect(b.services.limiter.limitsOf(key.key_id)[0]).toMatchObject({ capacity: 3, algorithm: 'fixed_window' })
  })

  it("panels created, changed or deleted on A show in B's panel list within a second (B had the list cached)", async () => {
    const { account, project } = await setUp(a, 'panels')
    const onB = b.client.withCredential(account.access_token)
    const panel = { name: 'Errors', index: 0, project_id: project.slug, type: 'errors' as const,
      time_range_from: '2025-10-15T00:00:00Z', time_range_to: '2025-10-30T23:59:59Z' }
    // B reads the (empty) list: cached there for 5 minutes unless told.
    expect((await onB.listPanels()).total).toBe(0)
    const created = await account.client.createPanel(panel)
    let t0 = Date.now()
    await waitFor(async () => (await onB.listPanels()).total === 1, 5000, 'B to list the new panel')
    expect(Date.now() - t0).toBeLessThan(1000)
    await account.client.updatePanel(created.id, { ...panel, name: 'Renamed' })
    t0 = Date.now()
    await waitFor(async () => (await onB.listPanels()).panels[0]?.name === 'Renamed', 5000, 'B to list the change')
    expect(Date.now() - t0).toBeLessThan(1000)
    await account.client.deletePanel(created.id)
    t0 = Date.now()
    await waitFor(async () => (await onB.listPanels()).total === 0, 5000, 'B to drop the deleted panel')
    expect(Date.now() - t0).toBeLessThan(1000)
  })

  it('a project deleted on A: its keys are refused on B at once, and the tails they hold on B end', async () => {
    const { account, project, key } = await setUp(a, 'gone')
    const onB = b.client.withCredential(key.full_key)
    expect((await onB.raw('GET', '/api/v1/queue/depth')).status).toBe(200)
    const run = await tailOn(b, () => onB.tail())
    const tail = run.tail
    const t0 = Date.now()
    await account.client.deleteProject(project.project_id)
    await run.done
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(tail.ended?.reason).toBe('key_revoked')
    expect((await onB.raw('GET', '/api/v1/queue/depth')).status).toBe(401)
  })

  it("queue depth counts every daemon's queue: logs A holds unprocessed show on B and C, and go when A processes them", async () => {
    const { account, key } = await setUp(a, 'depth')
    const [onA, onB, onC] = [a, b, c].map((d) => d.client.withCredential(key.full_key)) as [
      TestDaemon['client'],
      TestDaemon['client'],
      TestDaemon['client'],
    ]
    // Indexing paused on all three: any daemon indexes what any other stored (one at a time).
    for (const d of [a, b, c]) d.services.queue.pause()
    try {
      await onA.ingestBatch(Array.from({ length: 7 }, (_, i) => log({ message: `held ${i}` })))
      expect((await onA.queueDepth()).queue_depth).toBe(7)
      await waitFor(async () => (await onB.queueDepth()).queue_depth === 7, 5000, "A's depth on B")
      expect((await onC.queueDepth()).queue_depth).toBe(7)
      // ledger top's figures too (`GET /stats/overview`, asked of C).
      const top = await c.client.withCredential(account.access_token).statsOverview()
      expect(top.projects.find((p) => p.slug === 'depth')?.queue_depth).toBe(7)
      expect(top.ingest.queue_depth).toBe(7)
    } finally {
      a.services.queue.resume()
    }
    try {
      await waitFor(async () => (await onB.queueDepth()).queue_depth === 0, 5000, 'the depth to fall on B')
      expect((await onC.queueDepth()).queue_depth).toBe(0)
    } finally {
      for (const d of [b, c]) d.services.queue.resume()
    }
  })

  it('after its bus connection is cut, a daemon listens again, re-reads what it cached and announces what was committed meanwhile', async () => {
    const { account, key } = await setUp(a, 'cut')
    const onB = b.client.withCredential(key.full_key)
    const run = await tailOn(b, () => onB.tail())
    const busOfB = `ledger-bus ${b.services.storage.bus.instanceId}`
    const before = b.services.storage.bus.report()['reconnects'] as number
    await server().admin('SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = $1', [busOfB])
    // Whatever B heard or missed meanwhile: the log shows on its tail, and B listens again.
    await a.client.withCredential(key.full_key).ingestSingle(log({ message: 'while B was cut' }))
    await waitFor(() => run.events.length === 1, 5000, 'the log on B')
    await waitFor(() => (b.services.storage.bus.report()['reconnects'] as number) === before + 1, 5000, 'B to reconnect')
    expect(b.services.storage.bus.report()).toMatchObject({ status: 'healthy', listening: true })
    const deep = await b.client.deepHealth()
    expect(deep.services['cluster']).toMatchObject({ status: 'healthy', transport: 'postgres LISTEN/NOTIFY' })
    // And it hears the others again.
    await account.client.revokeApiKey(key.key_id)
    await run.done
    expect(run.events.map((e) => e.log.message)).toEqual(['while B was cut'])
  })
})
