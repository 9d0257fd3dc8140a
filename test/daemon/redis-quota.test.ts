import { afterEach, describe, expect, it } from 'vitest'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { postgresSkipReason, usePostgres } from '../helpers/postgres.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'

// A project's daily quota, counted once for every daemon of a team (`--redis-url`): each daemon
// used to count what it accepted itself (from the database once a day, then in memory), so
// three daemons could accept up to three times the quota between them.

const skip = postgresSkipReason() ?? redisSkipReason()

describe.skipIf(skip !== null)('daily quota in Redis, across daemons on one PostgreSQL', () => {
  const pg = usePostgres({ fsync: false })
  const redis = useRedis()
  const daemons: TestDaemon[] = []
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.close()))
  })

  /** `n` daemons on a fresh database, sharing Redis database `db` (one per test: project ids repeat). */
  async function cluster(n: number, db: number) {
    const databaseUrl = await pg().createDatabase()
    const redisUrl = `${redis().url}/${db}`
    for (let i = 0; i < n; i++) daemons.push(await startTestDaemon({ databaseUrl, redisUrl }, { realClock: true }))
    return daemons.slice(-n)
  }

  it('three daemons that each know the day started accept the quota exactly once between them, whichever gets the logs', async () => {
    const [a, b, c] = await cluster(3, 1)
    const { account, project, key } = await accountWithKey(a!.client, 'quota')
    await account.client.updateProject(project.slug, { daily_quota: 100 })
    const clients = [a!, b!, c!].map((d) => d.client.withCredential(key.full_key))
    // Each daemon reads the day's figures at its first log (1 used, then 2, then 3)…
    for (const client of clients) expect((await client.ingestBatch([log()])).accepted).toBe(1)
    // …then each is sent 100 more at once: 97 fit in all, wherever they arrive (a daemon whose
    // batch finds none left answers 429).
    const answers = await Promise.all(
      clients.map(async (client) => {
        const r = await client.raw('POST', '/api/v1/ingest/batch', {
          body: { logs: Array.from({ length: 100 }, (_, i) => log({ message: `m${i}` })) },
        })
        expect([202, 429]).toContain(r.status)
        return r.status === 202 ? (r.body as { accepted: number }).accepted : 0
      }),
    )
    expect(answers.reduce((sum, n) => sum + n, 0)).toBe(97)
    // Full: every daemon refuses the next log with 429.
    for (const client of clients) {
      const r = await client.raw('POST', '/api/v1/ingest/single', { body: log() })
      expect(r.status).toBe(429)
      expect(JSON.stringify(r.body)).toMatch(/Daily quota exceeded: 100 logs per day/)
    }
    const stored = await a!.sql<{ n: number }>('SELECT count(*) AS n FROM logs WHERE project_id = ?', project.project_id)
    expect(stored[0]!.n).toBe(100)
  })

  it('Redis down: each daemon goes on counting the quota alone from the stored figure; Redis back: one count again', async () => {
    const [a, b] = await cluster(2, 2)
    const { account, project, key } = await accountWithKey(a!.client, 'quota-down')
    await account.client.updateProject(project.slug, { daily_quota: 50 })
    const [ca, cb] = [a!, b!].map((d) => d.client.withCredential(key.full_key))
    expect((await ca!.ingestBatch(Array.from({ length: 10 }, () => log()))).accepted).toBe(10)
    await redis().kill()
    // B has not seen the project yet: it reads the 10 stored and counts its own from there (no 503).
    const down = await cb!.ingestBatch(Array.from({ length: 45 }, () => log()))
    expect(down).toMatchObject({ accepted: 40, rejected: 5 })
    await redis().restart()
    await waitFor(async () => {
      const h = (await b!.client.raw('GET', '/health/deep')).body as { services: Record<string, { status: string }> }
      return h.services['redis']?.status === 'healthy'
    }, 10_000, 'B to use Redis again')
    await waitFor(async () => {
      const h = (await a!.client.raw('GET', '/health/deep')).body as { services: Record<string, { status: string }> }
      return h.services['redis']?.status === 'healthy'
    }, 10_000, 'A to use Redis again')
    // The empty Redis starts from B's figure (50: full); A, which alone knows of 10, refuses too.
    expect((await cb!.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(429)
    expect((await ca!.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(429)
  })
})
