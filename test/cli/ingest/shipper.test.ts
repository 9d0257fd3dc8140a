import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { LineMapper } from '../../../src/cli/ingest/map-line.js'
import { IngestPipeline } from '../../../src/cli/ingest/pipeline.js'
import { Shipper, type ShipperEvent, type ShipperOptions } from '../../../src/cli/ingest/shipper.js'
import { type BytesTransport, clientBytesTransport } from '../../../src/client/bytes-transport.js'
import { LedgerClient, type RawResponse } from '../../../src/client/index.js'
import { accountWithKey, deadPort, startTestDaemon, type TestDaemon, waitFor } from '../../helpers/daemon.js'
import { FakeClock } from '../../helpers/fake-clock.js'

// The shipper against a real daemon: batching, retries, Idempotency-Keys, backpressure. Its
// time is a FakeClock, which moves the test daemon's clock along (rate limits, Retry-After),
// and its transport a recording wrapper around the real one that notes every request and its
// answer. Time moves only once the requests sent at a given time are answered, so waits of
// seconds take none and are measured exactly. (Its waiting logic alone, on a scripted
// transport, is in shipper-waiting.test.ts.)

/** A fake clock for the shipper (and the daemon `d`'s, moved along with it), and what it waits for. */
function harness(d?: TestDaemon) {
  const inFlight = new Set<Promise<unknown>>()
  const clock = new FakeClock(d?.clock.now ?? Date.now(), {
    onTime: (now) => {
      if (d) d.clock.now = now
    },
    busy: () => (inFlight.size > 0 ? Promise.allSettled([...inFlight]) : null),
  })
  /** The transport, each request of it awaited before time moves on. */
  const track = (inner: BytesTransport): BytesTransport => ({
    baseUrl: inner.baseUrl,
    close: () => inner.close(),
    request(method, path, body, headers, signal) {
      const p = inner.request(method, path, body, headers, signal)
      inFlight.add(p)
      const forget = () => inFlight.delete(p)
      p.then(forget, forget)
      return p
    },
  })
  /** Runs the clock until `work` has settled; its result. */
  async function drive<T>(work: Promise<T>): Promise<T> {
    let settled = false
    const mark = () => {
      settled = true
    }
    work.then(mark, mark)
    await clock.runUntil(() => settled)
    return work
  }
  return { clock, track, drive }
}

interface Call {
  at: number
  /** Order of events (a send, an answer) among all requests: time may not move between them. */
  sentAs: number
  answeredAs?: number
  method: string
  logs: number
  bytes: number
  key: string | undefined
  answeredAt?: number
  status?: number
  retryAfter?: string
  error?: string
}

function recording(inner: BytesTransport, now: () => number): { transport: BytesTransport; calls: Call[] } {
  const calls: Call[] = []
  let events = 0
  const transport: BytesTransport = {
    baseUrl: inner.baseUrl,
    close: () => inner.close(),
    async request(method, path, body, headers, signal): Promise<RawResponse> {
      const call: Call = {
        at: now(),
        sentAs: events++,
        method,
        logs: body ? (JSON.parse(body.toString('utf8')) as { logs: unknown[] }).logs.length : 0,
        bytes: body?.length ?? 0,
        key: headers['idempotency-key'],
      }
      calls.push(call)
      try {
        const res = await inner.request(method, path, body, headers, signal)
        call.answeredAt = now()
        call.answeredAs = events++
        call.status = res.status
        call.retryAfter = res.headers['retry-after']
        return res
      } catch (err) {
        call.error = (err as Error).message
        throw err
      }
    },
  }
  return { transport, calls }
}

const log = (i: number, extra = '') =>
  `{"timestamp":"2026-01-01T00:00:00Z","level":"info","log_type":"console","importance":"standard","message":"line ${i}${extra}"}`


describe('against a daemon', () => {
  let d: TestDaemon
  const transports: BytesTransport[] = []

  beforeAll(async () => {
    d = await startTestDaemon()
  })
  afterAll(async () => {
    for (const t of transports) await t.close()
    await d.close()
  })

  async function setup(slug: string, options: Partial<ShipperOptions> = {}) {
    const a = await accountWithKey(d.client, slug)
    const h = harness(d)
    const inner = clientBytesTransport(new LedgerClient({ baseUrl: d.url, credential: a.key.full_key }))
    transports.push(inner)
    const { transport, calls } = recording(h.track(inner), h.clock.now)
    const events: ShipperEvent[] = []
    const shipper = new Shipper({ transport, clock: h.clock, onEvent: (e) => events.push(e), ...options })
    // Reads go through a second key, so they never spend the first one's (tiny) limits.
    const reader = d.client.withCredential(
      (await a.account.client.createApiKey(a.project.project_id, { name: 'reader' })).full_key,
    )
    return { ...a, ...h, shipper, calls, events, reader }
  }

  const stored = async (client: TestDaemon['client'], max = 100_000): Promise<string[]> => {
    const messages: string[] = []
    let cursor: string | undefined
    do {
      const page = await client.logs({ limit: 1000, cursor })
      messages.push(...page.logs.map((l) => l.message ?? ''))
      cursor = page.next_cursor ?? undefined
    } while (cursor && messages.length < max)
    return messages
  }

  test('batches of 1000 logs, each with its own Idempotency-Key; everything stored once', async () => {
    const { shipper, calls, keyClient, drive } = await setup('batches')
    for (let i = 1; i <= 2500; i++) shipper.add(log(i), i)
    await drive(shipper.finish())
    const posts = calls.filter((c) => c.method === 'POST')
    expect(posts.map((c) => c.logs)).toEqual([1000, 1000, 500])
    expect(new Set(posts.map((c) => c.key)).size).toBe(3)
    expect(shipper.stats).toMatchObject({ logs: 2500, accepted: 2500, rejected: 0, undelivered: 0, batches: 3, retries: 0 })
    const messages = await stored(keyClient)
    expect(messages).toHaveLength(2500)
    expect(new Set(messages).size).toBe(2500)
  })

  test('an answer lost after the daemon committed: the retry is a replay, nothing stored twice', async () => {
    const a = await accountWithKey(d.client, 'lost-answer')
    const h = harness(d)
    const inner = clientBytesTransport(new LedgerClient({ baseUrl: d.url, credential: a.key.full_key }))
    transports.push(inner)
    // The first batch reaches the daemon, but its answer is lost on the way back.
    let lose = true
    const lossy: BytesTransport = {
      baseUrl: inner.baseUrl,
      close: () => inner.close(),
      async request(method, path, body, headers, signal) {
        const res = await inner.request(method, path, body, headers, signal)
        if (method === 'POST' && lose) {
          lose = false
          throw new Error('socket hang up (answer lost)')
        }
        return res
      },
    }
    const shipper = new Shipper({ transport: h.track(lossy), clock: h.clock, backoff: { baseMs: 10 } })
    for (let i = 1; i <= 300; i++) shipper.add(log(i), i)
    await h.drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ accepted: 300, undelivered: 0, retries: 1, replayed: 1 })
    const messages = await stored(a.keyClient)
    expect(messages).toHaveLength(300)
    expect(new Set(messages).size).toBe(300)
  })

  test('a body never passes ~1 MiB: big logs make smaller batches', async () => {
    const { shipper, calls, drive } = await setup('big-bodies')
    const pad = 'p'.repeat(5000)
    for (let i = 1; i <= 600; i++) shipper.add(log(i, pad), i)
    await drive(shipper.finish())
    const posts = calls.filter((c) => c.method === 'POST')
    expect(posts.length).toBeGreaterThanOrEqual(3)
    for (const p of posts) expect(p.bytes).toBeLessThanOrEqual(1024 * 1024)
    expect(posts[0]!.bytes).toBeGreaterThan(1000 * 1024)
    expect(posts.reduce((n, p) => n + p.logs, 0)).toBe(600)
    expect(shipper.stats.accepted).toBe(600)
  })

  test('a few logs are sent within 200 ms of the first one, without waiting for more', async () => {
    const { shipper, calls, keyClient, clock } = await setup('linger', { lingerMs: 200 })
    const t0 = clock.now()
    shipper.add(log(1), 1)
    shipper.add(log(2), 2)
    // Nothing leaves before its linger time; then the two go at once.
    await clock.advance(199)
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    await clock.runUntil(() => calls.some((c) => c.method === 'POST' && c.status !== undefined))
    await waitFor(async () => (await keyClient.logs()).logs.length === 2, 5000, 'the two logs')
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.logs).toBe(2)
    expect(post.at - t0).toBeGreaterThanOrEqual(190)
    expect(post.at - t0).toBeLessThan(600)
    expect(post.at - t0).toBe(200)
    await shipper.finish()
  })

  test('per-log errors are reported with their line, counted, and do not stop the stream', async () => {
    const { shipper, events, drive } = await setup('per-log-errors')
    shipper.add(log(1), 10)
    shipper.add(log(2).replace('"info"', '"loud"'), 11)
    shipper.add(log(3), 12)
    await drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ accepted: 2, rejected: 1, undelivered: 0 })
    expect(events).toContainEqual({ kind: 'rejected', line: 11, detail: expect.stringContaining('level must be one of') })
    // A batch whose every log is invalid (400) is refused as a whole, line by line.
    shipper.add(log(4).replace('"info"', '"loud"'), 13)
    await drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ accepted: 2, rejected: 2, undelivered: 0 })
    expect(events.filter((e) => e.kind === 'rejected').map((e) => (e as { line: number }).line)).toEqual([11, 13])
  })

  test("logs over the project's daily quota are rejected one by one, with their lines", async () => {
    const { shipper, events, account, project, drive } = await setup('quota')
    await account.client.updateProject(project.slug, { daily_quota: 3 })
    for (let i = 1; i <= 5; i++) shipper.add(log(i), i)
    await drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ accepted: 3, rejected: 2 })
    const rejected = events.filter((e) => e.kind === 'rejected')
    expect(rejected.map((e) => (e as { line: number }).line)).toEqual([4, 5])
    expect((rejected[0] as { detail: string }).detail).toMatch(/daily quota of 3 logs/)
  })

  test('429: waits as long as Retry-After says, keeps the Idempotency-Key, delivers everything', async () => {
    const { shipper, calls, events, account, key, reader, drive } = await setup('rate-limited', { maxBatchLogs: 10 })
    await account.client.setKeyLimits(key.key_id, { algorithm: 'token_bucket', tokens_per_second: 1, burst_capacity: 1 })
    for (let i = 1; i <= 40; i++) shipper.add(log(i), i)
    await drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ accepted: 40, undelivered: 0 })
    expect(shipper.stats.retries).toBeGreaterThan(0)
    expect(events.some((e) => e.kind === 'busy' && e.status === 429)).toBe(true)
    const posts = calls.filter((c) => c.method === 'POST')
    const limited = posts.filter((c) => c.status === 429)
    expect(limited.length).toBeGreaterThan(0)
    for (const c of limited) {
      // No request, by any batch, before the Retry-After of a 429 has passed.
      const wait = Number(c.retryAfter) * 1000
      expect(wait).toBeGreaterThan(0)
      const next = posts.find((p) => p.sentAs > c.answeredAs!)
      if (next) expect(next.at - c.answeredAt!).toBeGreaterThanOrEqual(wait - 5)
      // The retry of that batch carries the same key.
      expect(posts.filter((p) => p.key === c.key).some((p) => p.status === 202)).toBe(true)
    }
    expect(new Set(await stored(reader)).size).toBe(40)
  })

  test('401 stops everything at once, and what was not sent is counted', async () => {
    const h = harness(d)
    const inner = clientBytesTransport(new LedgerClient({ baseUrl: d.url, credential: 'ldg_proj_1_notarealkeynotarealkeynotarealkey0000' }))
    transports.push(inner)
    const shipper = new Shipper({ transport: h.track(inner), clock: h.clock })
    const fatal = await shipper.checkCredential()
    expect(fatal).toMatchObject({ status: 401, auth: true })
    for (let i = 1; i <= 5; i++) shipper.add(log(i), i)
    await h.drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ logs: 5, accepted: 0, undelivered: 5, requests: 0 })
  })

  test('backpressure: saturated while batches cannot leave, drained once they do, never above the bound', async () => {
    const { shipper, account, key, clock, drive } = await setup('backpressure', { maxBatchLogs: 10, concurrency: 1, maxQueued: 1 })
    await account.client.setKeyLimits(key.key_id, { algorithm: 'token_bucket', tokens_per_second: 2, burst_capacity: 1 })
    let drains = 0
    let maxPending = 0
    shipper.onDrain = () => drains++
    let i = 0
    const t0 = clock.now()
    // A reader that adds while there is room, as the pipeline does.
    while (i < 60) {
      if (shipper.saturated) {
        await clock.runUntil(() => !shipper.saturated)
        continue
      }
      for (let k = 0; k < 10; k++) shipper.add(log(++i), i)
      maxPending = Math.max(maxPending, shipper.stats.pending)
    }
    await drive(shipper.finish())
    expect(maxPending).toBeLessThanOrEqual(2)
    expect(drains).toBeGreaterThan(0)
    expect(shipper.stats).toMatchObject({ accepted: 60, undelivered: 0 })
    // Six requests at two per second (one at once): the reader was held back, not buffered.
    expect(clock.now() - t0).toBeGreaterThan(2000)
  })

  test('the pipeline pauses its input while the shipper is saturated and numbers lines per input', async () => {
    const { shipper, events, account, key, project, reader, clock, drive } = await setup('pipeline', {
      maxBatchLogs: 5,
      concurrency: 1,
      maxQueued: 1,
    })
    await account.client.setKeyLimits(key.key_id, { algorithm: 'token_bucket', tokens_per_second: 3, burst_capacity: 1 })
    await account.client.updateProject(project.slug, { daily_quota: 38 })
    const a = new PassThrough()
    const b = new PassThrough()
    const pipeline = new IngestPipeline({
      sources: [
        { name: 'a.log', open: () => a },
        { name: 'b.log', open: () => b },
      ],
      mapper: new LineMapper(),
      shipper,
      clock,
    })
    const done = pipeline.run()
    let pausedSeen = false
    for (let n = 1; n <= 30; n++) {
      a.write(n === 2 ? '\n' : `a ${n}\n`)
      if (a.isPaused()) pausedSeen = true
      // Let the pipeline read what was written (and the requests it sent be answered).
      await clock.advance(0)
    }
    a.end()
    b.end('b 1\nb 2\nb 3\nb 4\nb 5\nb 6\nb 7\nb 8\nb 9\nb 10\n')
    const result = await drive(done)
    // Held back while batches could not leave: the writer saw its input paused.
    expect(pausedSeen).toBe(true)
    expect(result).toMatchObject({ lines: 40, blank: 1 })
    expect(shipper.stats).toMatchObject({ accepted: 38, rejected: 1, undelivered: 0 })
    // 39 logs, a quota of 38: the last line of b.log is refused, and named by input and line.
    const rejected = events.filter((e) => e.kind === 'rejected') as Array<{ line: number }>
    expect(rejected.map((e) => pipeline.lineRef(e.line))).toEqual([{ name: 'b.log', line: 10 }])
    expect(await stored(reader)).toHaveLength(38)
  })
})

describe('a full queue', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon({ queueCapacity: 1500 })
  })
  afterAll(async () => {
    await d.close()
  })

  test('503: the batch is retried with the same Idempotency-Key until there is room; stored once', async () => {
    const { key, keyClient } = await accountWithKey(d.client, 'full')
    const h = harness(d)
    const inner = clientBytesTransport(new LedgerClient({ baseUrl: d.url, credential: key.full_key }))
    const { transport, calls } = recording(h.track(inner), h.clock.now)
    const events: ShipperEvent[] = []
    // Retry-After: 60 is honoured in full: it is the fake clock that waits.
    const shipper = new Shipper({ transport, clock: h.clock, onEvent: (e) => events.push(e) })
    d.services.queue.pause()
    try {
      for (let i = 1; i <= 2000; i++) shipper.add(log(i), i)
      await waitFor(() => calls.some((c) => c.status === 503), 5000, 'a 503')
      expect(events).toContainEqual(expect.objectContaining({ kind: 'busy', status: 503 }))
    } finally {
      d.services.queue.resume()
    }
    // Room again once the worker has processed the first batch.
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0, 10_000, 'the worker')
    await h.drive(shipper.finish())
    const refused = calls.find((c) => c.status === 503)!
    expect(refused.retryAfter).toBe('60')
    const sameKey = calls.filter((c) => c.key === refused.key)
    expect(sameKey.length).toBeGreaterThan(1)
    expect(sameKey.at(-1)!.status).toBe(202)
    // The retry came no sooner than the daemon asked.
    expect(sameKey[1]!.at - refused.answeredAt!).toBeGreaterThanOrEqual(60_000)
    expect(shipper.stats).toMatchObject({ accepted: 2000, undelivered: 0 })
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0, 10_000, 'the worker')
    const count = d.inspect().prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT message) AS d FROM logs').get() as { n: number; d: number }
    expect(count).toEqual({ n: 2000, d: 2000 })
    await inner.close()
  })
})

describe('when the daemon cannot be reached', () => {
  const fast = { baseMs: 10, capMs: 50 }

  test('retry (default): keeps retrying, and gives up the given time after the input ended', async () => {
    const h = harness()
    const transport = clientBytesTransport(new LedgerClient({ baseUrl: `http://127.0.0.1:${await deadPort()}` }))
    const events: ShipperEvent[] = []
    const shipper = new Shipper({ transport: h.track(transport), clock: h.clock, giveUpAfterMs: 400, backoff: fast, onEvent: (e) => events.push(e) })
    for (let i = 1; i <= 5; i++) shipper.add(log(i), i)
    // While the input is open, retrying goes on for longer than the give-up time.
    await h.clock.runUntil(() => shipper.stats.retries >= 20)
    await h.clock.advance(500)
    expect(shipper.stats.undelivered).toBe(0)
    const t0 = h.clock.now()
    await h.drive(shipper.finish())
    expect(h.clock.now() - t0).toBeGreaterThanOrEqual(380)
    expect(h.clock.now() - t0).toBeLessThan(2000)
    expect(shipper.stats).toMatchObject({ accepted: 0, undelivered: 5 })
    expect(events.find((e) => e.kind === 'retrying')).toMatchObject({ status: null, reason: expect.stringMatching(/ECONNREFUSED/) })
    expect(events.filter((e) => e.kind === 'retrying')).toHaveLength(1)
    await transport.close()
  })

  test('fail: a batch failing for the give-up time stops everything', async () => {
    const h = harness()
    const transport = clientBytesTransport(new LedgerClient({ baseUrl: `http://127.0.0.1:${await deadPort()}` }))
    const shipper = new Shipper({ transport: h.track(transport), clock: h.clock, onFailure: 'fail', giveUpAfterMs: 300, backoff: fast })
    let stopped: unknown = null
    shipper.onFatal = (f) => {
      stopped = f
    }
    for (let i = 1; i <= 5; i++) shipper.add(log(i), i)
    await h.clock.runUntil(() => stopped !== null)
    expect(stopped).toMatchObject({ auth: false, detail: expect.stringMatching(/^gave up after 0 s: .*ECONNREFUSED/) })
    expect(shipper.stopped).toBe(true)
    shipper.add(log(6), 6)
    await h.drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ logs: 6, undelivered: 6 })
    await transport.close()
  })

  test('abort: everything not yet delivered counts as undelivered, at once', async () => {
    const h = harness()
    const transport = clientBytesTransport(new LedgerClient({ baseUrl: `http://127.0.0.1:${await deadPort()}` }))
    const shipper = new Shipper({ transport: h.track(transport), clock: h.clock, backoff: fast, maxBatchLogs: 2 })
    for (let i = 1; i <= 7; i++) shipper.add(log(i), i)
    await h.clock.runUntil(() => shipper.stats.retries > 0)
    shipper.abort()
    await h.drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ logs: 7, accepted: 0, undelivered: 7 })
    await transport.close()
  })
})

describe('drop', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon()
  })
  afterAll(async () => {
    await d.close()
  })

  test('a batch that fails for the give-up time is dropped; the next ones are delivered', async () => {
    const { key } = await accountWithKey(d.client, 'drop')
    const h = harness(d)
    const inner = clientBytesTransport(new LedgerClient({ baseUrl: d.url, credential: key.full_key }))
    // The daemon is unreachable for the second batch only (its first two attempts and on).
    let down = false
    const flaky: BytesTransport = {
      baseUrl: inner.baseUrl,
      close: () => inner.close(),
      async request(method, path, body, headers, signal) {
        if (down && method === 'POST') throw new Error(`cannot reach the Ledger daemon at ${inner.baseUrl}: connect ECONNREFUSED`)
        return inner.request(method, path, body, headers, signal)
      },
    }
    const events: ShipperEvent[] = []
    const shipper = new Shipper({ transport: h.track(flaky), clock: h.clock, onFailure: 'drop', giveUpAfterMs: 300, maxBatchLogs: 10, backoff: { baseMs: 10, capMs: 50 }, onEvent: (e) => events.push(e) })
    for (let i = 1; i <= 10; i++) shipper.add(log(i), i)
    await h.clock.runUntil(() => shipper.stats.accepted === 10)
    down = true
    for (let i = 11; i <= 20; i++) shipper.add(log(i), i)
    await h.clock.runUntil(() => shipper.stats.undelivered === 10)
    down = false
    for (let i = 21; i <= 30; i++) shipper.add(log(i), i)
    await h.drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ accepted: 20, undelivered: 10 })
    expect(events).toContainEqual(expect.objectContaining({ kind: 'undelivered', lines: 10, firstLine: 11, lastLine: 20 }))
    await inner.close()
  })

  test('a batch the daemon only asks to wait for (429 + Retry-After, longer than the give-up time) is not dropped', async () => {
    const { key, account } = await accountWithKey(d.client, 'drop-busy')
    await account.client.setKeyLimits(key.key_id, { algorithm: 'token_bucket', tokens_per_second: 1, burst_capacity: 1 })
    const h = harness(d)
    const transport = clientBytesTransport(new LedgerClient({ baseUrl: d.url, credential: key.full_key }))
    const events: ShipperEvent[] = []
    const shipper = new Shipper({ transport: h.track(transport), clock: h.clock, onFailure: 'drop', giveUpAfterMs: 300, maxBatchLogs: 10, onEvent: (e) => events.push(e) })
    for (let i = 1; i <= 10; i++) shipper.add(log(i), i)
    await h.clock.runUntil(() => shipper.stats.accepted === 10)
    // The bucket is empty now: this batch gets 429 + Retry-After: 1, longer than the give-up time.
    for (let i = 11; i <= 20; i++) shipper.add(log(i), i)
    await h.drive(shipper.finish())
    expect(shipper.stats).toMatchObject({ accepted: 20, undelivered: 0 })
    expect(shipper.stats.retries).toBeGreaterThan(0)
    expect(events).toContainEqual(expect.objectContaining({ kind: 'busy', status: 429 }))
    await transport.close()
  })
})
