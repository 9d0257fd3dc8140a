import { afterAll, beforeAll, describe, expect, it, test } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import {
  accountWithKey,
  log,
  registerAccount,
  startTestDaemon,
  type TestDaemon,
  waitFor,
} from '../helpers/daemon.js'
import { expectError } from '../helpers/assertions.js'
import type { LogRow } from '../../src/daemon/storage/sqlite/logs.js'

// Seed 000's log ingestion endpoints (single, batch, queue depth) against the real app on a
// real database (SQLite, or PostgreSQL in the postgres project): the answers on the wire, and
// what ends up stored.

let daemon: TestDaemon
let anon: LedgerClient
let db: TestDaemon

beforeAll(async () => {
  daemon = await startTestDaemon()
  anon = daemon.client
  db = daemon
})
afterAll(async () => {
  await daemon?.close()
})

/** A stored log as the database holds it (indexed for search yet or not). */
type StoredRow = LogRow

/** Every stored log of a project. */
async function storedLogs(database: TestDaemon, projectId: number): Promise<StoredRow[]> {
  return database.sql<StoredRow>('SELECT * FROM logs WHERE project_id = ? ORDER BY id', projectId)
}

async function storedCount(database: TestDaemon, projectId: number): Promise<number> {
  return (await storedLogs(database, projectId)).length
}

const single = (client: LedgerClient, body: unknown) => client.raw('POST', '/api/v1/ingest/single', { body })
const batch = (client: LedgerClient, body: unknown) => client.raw('POST', '/api/v1/ingest/batch', { body })
const depthOf = async (client: LedgerClient) => (await client.queueDepth()).queue_depth

/** A log without one of its fields. */
function without(field: string): Record<string, unknown> {
  const l: Record<string, unknown> = log()
  delete l[field]
  return l
}

/** Runs `fn` with the queue worker paused, and always resumes it. */
async function whilePaused<T>(d: TestDaemon, fn: () => Promise<T>): Promise<T> {
  d.services.queue.pause()
  try {
    return await fn()
  } finally {
    d.services.queue.resume()
  }
}

describe('POST /api/v1/ingest/single', () => {
  it('answers 202 with the documented body', async () => {
    const { keyClient } = await accountWithKey(anon)
    const res = await single(keyClient, log())
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    expect(res.body).toEqual({ accepted: 1, rejected: 0, message: 'Log accepted for processing' })
  })

  it('carries the rate-limit headers of the API key on the 202', async () => {
    const { keyClient } = await accountWithKey(anon)
    const res = await single(keyClient, log())
    expect(res.status).toBe(202)
    expect(res.headers['x-ratelimit-limit']).toMatch(/^\d+$/)
    expect(res.headers['x-ratelimit-remaining']).toMatch(/^\d+$/)
    expect(res.headers['x-ratelimit-reset']).toMatch(/^\d+$/)
  })

  it('stores the log with every field: timestamp as epoch ms, attributes as JSON text', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const attributes = { user_id: '123', request_id: 'req_abc', nested: { n: 1, ok: true, list: [1, 'a'] } }
    const sent = {
      timestamp: '2025-10-17T10:00:00Z',
      level: 'error',
      log_type: 'exception',
      importance: 'high',
      message: 'Database connection failed',
      error_type: 'ConnectionError',
      error_message: 'Failed to connect to database',
      stack_trace: 'Traceback (most recent call last):\n  File app.py, line 42',
      environment: 'production',
      release: 'v1.2.3',
      sdk_version: '1.0.0',
      platform: 'python',
      platform_version: '3.12.0',
      attributes,
    }
    const res = await single(keyClient, sent)
    expect(res.status, JSON.stringify(res.body)).toBe(202)

    const rows = (await storedLogs(db, project.project_id))
    expect(rows).toHaveLength(1)
    const row = rows[0]!
    expect(row).toMatchObject({
      project_id: project.project_id,
      timestamp: Date.parse('2025-10-17T10:00:00Z'),
      received_at: daemon.clock.now,
      level: 'error',
      log_type: 'exception',
      importance: 'high',
      message: 'Database connection failed',
      error_type: 'ConnectionError',
      error_message: 'Failed to connect to database',
      stack_trace: 'Traceback (most recent call last):\n  File app.py, line 42',
      environment: 'production',
      release: 'v1.2.3',
      sdk_version: '1.0.0',
      platform: 'python',
      platform_version: '3.12.0',
    })
    expect(typeof row.attributes).toBe('string')
    expect(JSON.parse(row.attributes!)).toEqual(attributes)
  })

  it('stores a timestamp with an offset as the same instant in epoch ms', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const res = await single(keyClient, log({ timestamp: '2025-10-17T12:00:00.250+02:00' }))
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    expect((await storedLogs(db, project.project_id))[0]?.timestamp).toBe(Date.parse('2025-10-17T10:00:00.250Z'))
  })

  it('accepts a log with only the required fields and stores the optional ones as NULL', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const { message: _omitted, ...required } = log()
    const res = await single(keyClient, required)
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    expect((await storedLogs(db, project.project_id))[0]).toMatchObject({ message: null, attributes: null })
  })

  it('accepts null for every optional field and stores NULL', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const optional = [
      'message',
      'error_type',
      'error_message',
      'stack_trace',
      'environment',
      'release',
      'sdk_version',
      'platform',
      'platform_version',
      'attributes',
    ] as const
    const res = await single(keyClient, log(Object.fromEntries(optional.map((f) => [f, null]))))
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    const row = (await storedLogs(db, project.project_id))[0]!
    for (const f of optional) expect(row[f], f).toBeNull()
  })

  test.each(['debug', 'info', 'warning', 'error', 'critical'])('accepts level %s', async (level) => {
    const { keyClient } = await accountWithKey(anon)
    expect((await single(keyClient, log({ level }))).status).toBe(202)
  })

  test.each(['console', 'logger', 'exception', 'custom'])('accepts log_type %s', async (log_type) => {
    const { keyClient } = await accountWithKey(anon)
    expect((await single(keyClient, log({ log_type }))).status).toBe(202)
  })

  test.each(['low', 'standard', 'high'])('accepts importance %s', async (importance) => {
    const { keyClient } = await accountWithKey(anon)
    expect((await single(keyClient, log({ importance }))).status).toBe(202)
  })

  // Boundary values: the limits of seed 000 are inclusive.
  test.each([
    ['message of exactly 10,000 characters', { message: 'm'.repeat(10_000) }],
    ['error_message of exactly 5,000 characters', { error_message: 'e'.repeat(5_000) }],
    ['stack_trace of exactly 50,000 characters', { stack_trace: 's'.repeat(50_000) }],
    // 99,000 bytes serialised: under 100 KB whichever way a KB is counted.
    ['attributes just under 100 KB serialised', { attributes: { blob: 'a'.repeat(99_000 - 11) } }],
    ['empty attributes object', { attributes: {} }],
  ])('accepts a boundary value: %s, and stores it whole', async (_what, overrides) => {
    const { project, keyClient } = await accountWithKey(anon)
    const res = await single(keyClient, log(overrides))
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    const row = (await storedLogs(db, project.project_id))[0]!
    const [field, value] = Object.entries(overrides)[0]!
    const stored = row[field as keyof StoredRow]
    if (field === 'attributes') expect(JSON.parse(stored as string)).toEqual(value)
    else expect(stored).toBe(value)
  })

  // Every field rule of seed 000, broken once: 400 with a detail naming the field.
  test.each<[string, Record<string, unknown>, string, RegExp?]>([
    ['timestamp missing', without('timestamp'), 'timestamp'],
    ['timestamp not ISO 8601 (free text)', log({ timestamp: 'yesterday at noon' }), 'timestamp'],
    ['timestamp not ISO 8601 (RFC 2822)', log({ timestamp: 'Fri, 17 Oct 2025 10:00:00 GMT' }), 'timestamp'],
    ['timestamp as epoch number', log({ timestamp: 1760695200000 }), 'timestamp'],
    ['timestamp without a time zone', log({ timestamp: '2025-10-17T10:00:00' }), 'timestamp'],
    ['timestamp an impossible date', log({ timestamp: '2025-13-45T10:00:00Z' }), 'timestamp'],
    ['level missing', without('level'), 'level'],
    ['level not in the list (fatal)', log({ level: 'fatal' }), 'level'],
    ['level not in the list (warn)', log({ level: 'warn' }), 'level'],
    ['log_type missing', without('log_type'), 'log_type'],
    ['log_type not in the list', log({ log_type: 'metric' }), 'log_type'],
    ['importance missing', without('importance'), 'importance'],
    ['importance not in the list', log({ importance: 'urgent' }), 'importance'],
    ['message over 10,000 characters', log({ message: 'm'.repeat(10_001) }), 'message', /10,?000/],
    ['message not a string', log({ message: 42 }), 'message'],
    [
      'error_message over 5,000 characters',
      log({ error_message: 'e'.repeat(5_001) }),
      'error_message',
      /5,?000/,
    ],
    [
      'stack_trace over 50,000 characters',
      log({ stack_trace: 's'.repeat(50_001) }),
      'stack_trace',
      /50,?000/,
    ],
    ['attributes an array', log({ attributes: [1, 2, 3] }), 'attributes'],
    ['attributes a string', log({ attributes: '{"user_id":"123"}' }), 'attributes'],
    ['attributes a number', log({ attributes: 7 }), 'attributes'],
    [
      'attributes over 100 KB serialised',
      log({ attributes: { blob: 'a'.repeat(101 * 1024) } }),
      'attributes',
      /100\s*KB/i,
    ],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_what, body, field, rule) => {
    const { project, keyClient } = await accountWithKey(anon)
    const res = await single(keyClient, body)
    expectError(res, 400, field, ...(rule ? [rule] : []))
    expect((await storedCount(db, project.project_id))).toBe(0)
  })

  test.each([
    ['an array', [log()]],
    ['a string', 'hello'],
    ['null', null],
  ])('refuses a body that is %s with 400', async (_what, body) => {
    const { keyClient } = await accountWithKey(anon)
    expectError(await single(keyClient, body), 400)
  })
})

describe('POST /api/v1/ingest/batch', () => {
  it('accepts an all-valid batch: 202 {accepted: N, rejected: 0, errors: null}, N rows stored', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const logs = [log({ message: 'one' }), log({ message: 'two', level: 'error' }), log({ message: 'three' })]
    const res = await batch(keyClient, { logs })
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    expect(res.body).toEqual({ accepted: 3, rejected: 0, errors: null })
    const rows = (await storedLogs(db, project.project_id))
    expect(rows.map((r) => r.message).sort()).toEqual(['one', 'three', 'two'])
  })

  it('accepts the valid logs of a mixed batch and reports each invalid one as "Log <0-based index>: …"', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const logs = [
      log({ message: 'ok-0' }),
      log({ message: 'bad-1', level: 'fatal' }),
      log({ message: 'ok-2' }),
      { ...without('timestamp'), message: 'bad-3' },
      log({ message: 'bad-4', attributes: ['not', 'an', 'object'] }),
      log({ message: 'ok-5' }),
    ]
    const res = await batch(keyClient, { logs })
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    const body = res.body as { accepted: number; rejected: number; errors: string[] | null }
    expect(body.accepted).toBe(3)
    expect(body.rejected).toBe(3)
    expect(body.errors).toHaveLength(3)
    const [e1, e3, e4] = body.errors!
    expect(e1).toMatch(/^Log 1: .*level/)
    expect(e3).toMatch(/^Log 3: .*timestamp/)
    expect(e4).toMatch(/^Log 4: .*attributes/)
    // Only the valid logs are stored.
    const rows = (await storedLogs(db, project.project_id))
    expect(rows.map((r) => r.message).sort()).toEqual(['ok-0', 'ok-2', 'ok-5'])
  })

  it('rejects, per log, entries that are not objects at all', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const res = await batch(keyClient, { logs: [log(), 'hello', null, 42] })
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    const body = res.body as { accepted: number; rejected: number; errors: string[] }
    expect(body).toMatchObject({ accepted: 1, rejected: 3 })
    expect(body.errors.map((e) => e.split(':')[0])).toEqual(['Log 1', 'Log 2', 'Log 3'])
    expect(body.errors[0]).toBe('Log 1: log must be an object, not string')
    expect((await storedCount(db, project.project_id))).toBe(1)
  })

  it('refuses an empty batch with 400 naming logs', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    expectError(await batch(keyClient, { logs: [] }), 400, 'logs')
    expect((await storedCount(db, project.project_id))).toBe(0)
  })

  it('refuses a batch where every log is invalid with 400, and stores nothing', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const logs = [log({ level: 'fatal' }), without('timestamp'), log({ importance: 'urgent' })]
    expectError(await batch(keyClient, { logs }), 400)
    expect((await storedCount(db, project.project_id))).toBe(0)
  })

  it('accepts a batch of exactly 1000 logs and stores all of them', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const logs = Array.from({ length: 1000 }, (_, i) => log({ message: `log ${i}` }))
    const res = await batch(keyClient, { logs })
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(202)
    expect(res.body).toEqual({ accepted: 1000, rejected: 0, errors: null })
    expect((await storedCount(db, project.project_id))).toBe(1000)
  })

  it('refuses a batch of 1001 logs with 400 naming the 1000 limit, and stores nothing', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const logs = Array.from({ length: 1001 }, (_, i) => log({ message: `log ${i}` }))
    expectError(await batch(keyClient, { logs }), 400, 'logs', /1,?000/)
    expect((await storedCount(db, project.project_id))).toBe(0)
  })

  test.each<[string, unknown]>([
    ['logs missing', {}],
    ['logs a string', { logs: 'not a list' }],
    ['logs an object', { logs: { 0: log() } }],
    ['logs null', { logs: null }],
  ])('refuses a body with %s with 400 naming logs', async (_what, body) => {
    const { project, keyClient } = await accountWithKey(anon)
    expectError(await batch(keyClient, body), 400, 'logs')
    expect((await storedCount(db, project.project_id))).toBe(0)
  })

  it('refuses a bare array as body with 400', async () => {
    const { keyClient } = await accountWithKey(anon)
    expectError(await batch(keyClient, [log()]), 400)
  })
})

describe('GET /api/v1/queue/depth', () => {
  it('answers {project_id, queue_depth} for the key’s project', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    const res = await keyClient.raw('GET', '/api/v1/queue/depth')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ project_id: project.project_id, queue_depth: 0 })
  })

  it('counts the accepted logs while the worker is paused, and drops to 0 once it resumes', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    await whilePaused(daemon, async () => {
      expect((await single(keyClient, log())).status).toBe(202)
      expect(await depthOf(keyClient)).toBe(1)
      const res = await batch(keyClient, { logs: [log(), log(), log({ level: 'oops' }), log(), log()] })
      expect(res.body).toMatchObject({ accepted: 4, rejected: 1 })
      expect(await keyClient.queueDepth()).toEqual({ project_id: project.project_id, queue_depth: 5 })
      // Paused: they are all still in the queue table, none processed.
      expect((await storedCount(db, project.project_id))).toBe(5)
    })
    await waitFor(async () => (await depthOf(keyClient)) === 0, 10_000, 'queue depth 0')
    // Processed: all five moved to the logs table, none lost or doubled.
    const processed = (await db.sql<{ n: number }>('SELECT count(*) AS n FROM logs WHERE project_id = ?', project.project_id))[0]!.n
    expect(processed).toBe(5)
    expect((await storedCount(db, project.project_id))).toBe(5)
  })

  it('keeps processing logs accepted after the queue drained once', async () => {
    const { project, keyClient } = await accountWithKey(anon)
    for (let round = 1; round <= 3; round++) {
      expect((await single(keyClient, log({ message: `round ${round}` }))).status).toBe(202)
      await waitFor(async () => (await depthOf(keyClient)) === 0, 10_000, `queue depth 0 (round ${round})`)
    }
    const messages = (await db.sql<{ message: string }>('SELECT message FROM logs WHERE project_id = ? ORDER BY id', project.project_id)).map(
      (r) => r.message,
    )
    expect(messages).toEqual(['round 1', 'round 2', 'round 3'])
  })

  it('shows each project only its own depth', async () => {
    const a = await accountWithKey(anon)
    const b = await accountWithKey(anon)
    const idle = await accountWithKey(anon)
    await whilePaused(daemon, async () => {
      expect((await batch(a.keyClient, { logs: [log(), log(), log()] })).status).toBe(202)
      expect((await batch(b.keyClient, { logs: [log(), log()] })).status).toBe(202)
      expect(await a.keyClient.queueDepth()).toEqual({ project_id: a.project.project_id, queue_depth: 3 })
      expect(await b.keyClient.queueDepth()).toEqual({ project_id: b.project.project_id, queue_depth: 2 })
      expect(await idle.keyClient.queueDepth()).toEqual({
        project_id: idle.project.project_id,
        queue_depth: 0,
      })
    })
    await waitFor(
      async () => (await depthOf(a.keyClient)) === 0 && (await depthOf(b.keyClient)) === 0,
      10_000,
      'both queues drained',
    )
  })
})

describe('a full ingestion queue', () => {
  it('with the worker running, Retry-After is the waiting logs over the recent drain rate (seconds), not 60', async () => {
    const d = await startTestDaemon({ queueCapacity: 3000 }, { realClock: true })
    try {
      const { keyClient } = await accountWithKey(d.client)
      const body = { logs: Array.from({ length: 1000 }, (_, i) => log({ message: `m ${i}` })) }
      const answers: Array<{ measured: boolean; retryAfter: number }> = []
      // Waves of 8 concurrent 1000-log batches into a queue of 3000: some are refused, and the
      // worker drains (and measures its rate) in between.
      for (let wave = 0; wave < 50 && !answers.some((a) => a.measured); wave++) {
        const measured = (d.services.queue.drainRate() ?? 0) > 0
        const replies = await Promise.all(Array.from({ length: 8 }, () => batch(keyClient, body)))
        for (const r of replies) {
          if (r.status === 503) answers.push({ measured, retryAfter: Number(r.headers['retry-after']) })
          else expect(r.status).toBe(202)
        }
      }
      expect(answers.some((a) => a.measured)).toBe(true)
      // 3000 logs drain in well under 10 s on any machine; before the first measurement, 1 s.
      for (const a of answers) {
        expect(a.retryAfter).toBeGreaterThanOrEqual(1)
        expect(a.retryAfter).toBeLessThanOrEqual(10)
      }
    } finally {
      await d.close()
    }
  })

  it('answers 503 with Retry-After: 60 (the most: nothing drains while the worker is paused) once the project’s queue is at capacity, writing nothing', async () => {
    const small = await startTestDaemon({ queueCapacity: 5 })
    try {
      const smallDb = small
      const { project, keyClient } = await accountWithKey(small.client)
      small.services.queue.pause()

      expect((await batch(keyClient, { logs: [log(), log(), log()] })).status).toBe(202)
      // A batch that does not fit is refused whole: nothing half-written.
      const overflow = await batch(keyClient, { logs: [log(), log(), log()] })
      expectError(overflow, 503)
      expect(overflow.headers['retry-after']).toBe('60')
      expect((await storedCount(smallDb, project.project_id))).toBe(3)

      expect((await batch(keyClient, { logs: [log(), log()] })).status).toBe(202)
      expect(await depthOf(keyClient)).toBe(5)

      const full = await single(keyClient, log({ message: 'one too many' }))
      expectError(full, 503)
      expect(full.headers['retry-after']).toBe('60')
      const fullBatch = await batch(keyClient, { logs: [log()] })
      expectError(fullBatch, 503)
      expect(fullBatch.headers['retry-after']).toBe('60')
      // Refused before its body is decoded (decoding is most of a request's CPU, and the
      // indexer needs it): a body that is not even JSON gets the same 503, not a 400.
      const undecoded = await keyClient.raw('POST', '/api/v1/ingest/batch', {
        rawBody: '{"logs": [not json',
        headers: { 'content-type': 'application/json' },
      })
      expectError(undecoded, 503)
      expect(undecoded.headers['retry-after']).toBe('60')
      expect((await storedCount(smallDb, project.project_id))).toBe(5)
      expect(await depthOf(keyClient)).toBe(5)

      // Another project's queue is its own: it still has room.
      const other = await accountWithKey(small.client)
      expect((await single(other.keyClient, log())).status).toBe(202)

      // Once the worker drains the queue, ingestion is accepted again.
      small.services.queue.resume()
      await waitFor(async () => (await depthOf(keyClient)) === 0, 10_000, 'queue drained')
      expect((await single(keyClient, log())).status).toBe(202)
      await waitFor(async () => (await storedCount(smallDb, project.project_id)) === 6, 10_000, 'six logs stored')
    } finally {
      await small.close()
    }
  })
})

describe('API keys and projects', () => {
  it('writes a log with project A’s key only into project A', async () => {
    const a = await accountWithKey(anon)
    const b = await accountWithKey(anon)
    const res = await single(a.keyClient, log({ message: 'for A' }))
    expect(res.status).toBe(202)
    expect((await storedLogs(db, a.project.project_id)).map((r) => r.message)).toEqual(['for A'])
    expect((await storedCount(db, b.project.project_id))).toBe(0)
  })

  it('keeps two projects of one account apart: each key writes into its own project', async () => {
    const { account, project, keyClient } = await accountWithKey(anon)
    const second = await account.client.createProject({ name: 'Second', slug: 'second' })
    const secondKey = await account.client.createApiKey(second.project_id, { name: 'second key' })
    const secondClient = anon.withCredential(secondKey.full_key)
    expect((await batch(keyClient, { logs: [log({ message: 'first' })] })).status).toBe(202)
    expect((await batch(secondClient, { logs: [log({ message: 'second' })] })).status).toBe(202)
    expect((await storedLogs(db, project.project_id)).map((r) => r.message)).toEqual(['first'])
    expect((await storedLogs(db, second.project_id)).map((r) => r.message)).toEqual(['second'])
  })

  it('ignores a project_id in the body: the key decides the project', async () => {
    const a = await accountWithKey(anon)
    const b = await accountWithKey(anon)
    const res = await single(a.keyClient, log({ project_id: b.project.project_id, message: 'redirect?' }))
    expect([202, 400]).toContain(res.status)
    expect((await storedCount(db, b.project.project_id))).toBe(0)
  })

  it('refuses ingestion without an API key, or with an access token, with 401', async () => {
    const account = await registerAccount(anon)
    expectError(await single(anon, log()), 401)
    expectError(await single(account.client, log()), 401)
    expectError(await anon.raw('GET', '/api/v1/queue/depth'), 401)
  })

  it('accepts the key in X-API-Key as well as in Authorization: Bearer', async () => {
    const { project, key } = await accountWithKey(anon)
    const res = await anon.raw('POST', '/api/v1/ingest/single', {
      body: log({ message: 'via header' }),
      headers: { 'x-api-key': key.full_key },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    expect((await storedLogs(db, project.project_id)).map((r) => r.message)).toEqual(['via header'])
  })
})
