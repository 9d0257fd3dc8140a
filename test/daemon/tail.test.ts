import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LedgerClient, LedgerClient as Client } from '../../src/client/index.js'
import { SseParser } from '../../src/client/sse.js'
import type { TailEvent } from '../../src/contract/logs.js'
import { expectError } from '../helpers/assertions.js'
import { accountWithKey, log, spawnDaemon, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { consume } from '../helpers/tails.js'

// The live tail, GET /api/v1/logs/tail (issue #8, item 2): server-sent events of newly
// processed logs, resumable with Last-Event-ID.

const messages = (events: TailEvent[]) => events.map((e) => e.log.message)

describe('live tail', () => {
  let d: TestDaemon
  let fixture: Awaited<ReturnType<typeof accountWithKey>>
  let keyClient: LedgerClient

  beforeAll(async () => {
    d = await startTestDaemon({ tailHeartbeatMs: 40 })
    fixture = await accountWithKey(d.client, 'tail')
    keyClient = fixture.keyClient
  })
  afterAll(async () => {
    await d.close()
  })

  it('delivers a newly processed log within a second, as /logs shows it, with its id as the event id', async () => {
    const tail = await keyClient.tail()
    const { events } = consume(tail)
    try {
      const sent = Date.now()
      await keyClient.ingestSingle(log({ message: 'hello tail', attributes: { k: 'v' } }))
      await waitFor(() => events.length === 1, 1000, 'the log on the tail within a second')
      expect(Date.now() - sent).toBeLessThan(1000)
      const [e] = events
      const stored = (await keyClient.logs({ limit: 1 })).logs[0]!
      expect(e!.id).toBe(stored.id)
      expect(e!.log).toEqual(stored)
      expect(tail.lastEventId).toBe(stored.id)
    } finally {
      tail.close()
    }
  })

  it('sends only what passes the filters (q, level, attr), in processing order', async () => {
    const tail = await keyClient.tail({ q: 'timeout OR "connection refused"', level: ['error', 'critical'], attr: { region: 'eu' } })
    const { events } = consume(tail)
    try {
      await keyClient.ingestBatch([
        log({ message: 'timeout 1', level: 'error', attributes: { region: 'eu' } }),
        log({ message: 'timeout 2', level: 'info', attributes: { region: 'eu' } }),
        log({ message: 'connection refused 3', level: 'critical', attributes: { region: 'eu' } }),
        log({ message: 'refused connection 4', level: 'critical', attributes: { region: 'eu' } }),
        log({ message: 'timeout 5', level: 'error', attributes: { region: 'us' } }),
      ])
      await keyClient.ingestSingle(log({ message: 'timeout 6', level: 'critical', attributes: { region: 'eu' } }))
      await waitFor(() => events.length === 3, 2000)
      expect(messages(events)).toEqual(['timeout 1', 'connection refused 3', 'timeout 6'])
      const ids = events.map((e) => e.id)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
    } finally {
      tail.close()
    }
  })

  it('sends heartbeat comments on an idle connection', async () => {
    const tail = await keyClient.tail({ q: 'never-sent-word' })
    const { events } = consume(tail)
    try {
      // The greeting, then heartbeats every 40 ms (this daemon's setting).
      await waitFor(() => tail.comments >= 4, 2000, 'heartbeats')
      expect(events).toEqual([])
    } finally {
      tail.close()
    }
  })

  it('resumes after Last-Event-ID (header or query) with no gap and no repeat, and starts with a backlog on request', async () => {
    const tail = await keyClient.tail({ q: 'resume' })
    const first = consume(tail)
    await keyClient.ingestBatch(Array.from({ length: 10 }, (_, i) => log({ message: `resume ${i}` })))
    await waitFor(() => first.events.length === 10)
    tail.close()
    await first.done
    const last = first.events[4]!.id
    // Logs processed while nobody listens are sent on resuming, after the ones missed.
    await keyClient.ingestBatch(Array.from({ length: 10 }, (_, i) => log({ message: `resume ${10 + i}` })))
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0)

    const resumed = await keyClient.tail({ q: 'resume' }, { lastEventId: last })
    const second = consume(resumed)
    await waitFor(() => second.events.length === 15)
    expect(messages(second.events)).toEqual(Array.from({ length: 15 }, (_, i) => `resume ${5 + i}`))
    resumed.close()

    // ?last_event_id= (for clients that cannot set headers), with fetch and no Ledger client.
    const ac = new AbortController()
    const res = await fetch(`${d.url}/api/v1/logs/tail?q=resume&last_event_id=${second.events[12]!.id}`, {
      headers: { authorization: `Bearer ${fixture.key.full_key}` },
      signal: ac.signal,
    })
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const parser = new SseParser()
    const got: string[] = []
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    while (got.length < 2) {
      const { value } = await reader.read()
      got.push(...parser.push(value!).map((m) => m.id))
    }
    ac.abort()
    expect(got).toEqual([String(second.events[13]!.id), String(second.events[14]!.id)])

    // A backlog: the last 3 matching logs, then live ones.
    const withBacklog = await keyClient.tail({ q: 'resume', backlog: 3 })
    const third = consume(withBacklog)
    await waitFor(() => third.events.length === 3)
    await keyClient.ingestSingle(log({ message: 'resume 20' }))
    await waitFor(() => third.events.length === 4)
    withBacklog.close()
    expect(messages(third.events)).toEqual(['resume 17', 'resume 18', 'resume 19', 'resume 20'])
  }, 20_000)

  it('refuses a bad Last-Event-ID, a bad filter and a missing project before streaming', async () => {
    expectError(await keyClient.raw('GET', '/api/v1/logs/tail', { headers: { 'last-event-id': 'abc' } }), 400, 'Last-Event-ID')
    expectError(await keyClient.raw('GET', '/api/v1/logs/tail', { query: { last_event_id: '-1' } }), 400, 'last_event_id')
    expectError(await keyClient.raw('GET', '/api/v1/logs/tail', { query: { q: 'a AND' } }), 400, 'q has AND at character 3')
    expectError(await keyClient.raw('GET', '/api/v1/logs/tail', { query: { backlog: '1001' } }), 400, 'backlog')
    expectError(await fixture.account.client.raw('GET', '/api/v1/logs/tail'), 400, 'project_id is required')
    // A web page elsewhere cannot open it (no CORS, Origin refused).
    expectError(await keyClient.raw('GET', '/api/v1/logs/tail', { headers: { origin: 'http://evil.example' } }), 403, 'Cross-origin')
    await expect(keyClient.tail({ q: '"open' })).rejects.toMatchObject({ status: 400, detail: expect.stringContaining('unbalanced quote') })
  })

  it('counts one request against the rate limit per connection, however many events it carries', async () => {
    const before = Number((await keyClient.raw('GET', '/api/v1/queue/depth')).headers['x-ratelimit-remaining'])
    const tail = await keyClient.tail({ q: 'counted' })
    const { events } = consume(tail)
    await keyClient.ingestBatch(Array.from({ length: 50 }, (_, i) => log({ message: `counted ${i}` })))
    await waitFor(() => events.length === 50)
    tail.close()
    const after = Number((await keyClient.raw('GET', '/api/v1/queue/depth')).headers['x-ratelimit-remaining'])
    // The tail, the batch and this last call.
    expect(before - after).toBe(3)
  })

  it('releases the subscription when the client goes away', async () => {
    const base = d.services.logEvents.listenerCount
    const tail = await keyClient.tail()
    expect(d.services.tail.count).toBe(1)
    expect(d.services.logEvents.listenerCount).toBe(base + 1)
    tail.close()
    await waitFor(() => d.services.tail.count === 0 && d.services.logEvents.listenerCount === base)
  })
})

describe('live tail: the daemon closing, and slow readers', () => {
  it('ends open tails when the daemon closes, so closing does not hang', async () => {
    const d = await startTestDaemon()
    const { key } = await accountWithKey(d.client, 'closing')
    // Its own connections: the daemon, not the client, must end these streams.
    const own = new Client({ baseUrl: d.url, credential: key.full_key })
    try {
      const tails = await Promise.all([own.tail(), own.tail({ q: 'x' })])
      const runs = tails.map((t) => consume(t))
      await d.close()
      // Both iterations end cleanly: the daemon ended the streams before closing.
      await Promise.all(runs.map((r) => r.done))
    } finally {
      await own.close()
    }
  })

  it('closing the client ends its open tails', async () => {
    const d = await startTestDaemon()
    try {
      const { key } = await accountWithKey(d.client, 'client-closing')
      const own = new Client({ baseUrl: d.url, credential: key.full_key })
      const run = consume(await own.withCredential(key.full_key).tail())
      await own.close()
      await run.done
      await waitFor(() => d.services.tail.count === 0)
    } finally {
      await d.close()
    }
  })

  it('cuts off a client that stops reading once its socket has not drained for the stall time; it resumes from the last event it got', async () => {
    const d = await startTestDaemon({ tailStallMs: 300, tailHeartbeatMs: 50 })
    try {
      const { keyClient, key } = await accountWithKey(d.client, 'slow')
      const { port } = new URL(d.url)
      const socket = connect(Number(port), '127.0.0.1')
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
      socket.write(
        `GET /api/v1/logs/tail HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${key.full_key}\r\nConnection: close\r\n\r\n`,
      )
      await waitFor(() => d.services.tail.count === 1)
      // Stop reading: the kernel buffers fill, then the daemon's.
      socket.pause()
      const big = 'x'.repeat(9_000)
      for (let b = 0; b < 12; b++) {
        await keyClient.ingestBatch(Array.from({ length: 100 }, (_, i) => log({ message: `slow ${b * 100 + i} ${big}` })))
      }
      let raw = ''
      socket.setEncoding('utf8')
      socket.on('data', (c: string) => {
        raw += c
      })
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      socket.on('error', () => undefined)
      await waitFor(() => d.services.tail.count === 0, 20_000, 'the slow reader to be cut off')
      expect(d.services.logEvents.listenerCount).toBe(0)

      // Reading again, it gets a clean prefix of the events (the end, or a reset if it is
      // too late), and resuming after the last one it got brings exactly the rest.
      socket.resume()
      await closed
      const body = raw.slice(raw.indexOf('\r\n\r\n') + 4)
      const parser = new SseParser()
      // Chunked transfer encoding: drop the chunk-size lines, keep the SSE text.
      const text = body.replace(/\r\n[0-9a-f]+\r\n/g, '').replace(/^[0-9a-f]+\r\n/, '')
      const got = parser.push(text).map((m) => ({ id: Number(m.id), message: (JSON.parse(m.data) as { message: string }).message }))
      expect(got.length).toBeLessThan(1200)
      const rest = await keyClient.tail({}, { lastEventId: got.at(-1)?.id ?? 0 })
      const more = consume(rest)
      await waitFor(() => got.length + more.events.length === 1200, 20_000)
      rest.close()
      const all = [...got.map((g) => g.message), ...messages(more.events)].map((m) => m!.split(' ')[1])
      expect(all).toEqual(Array.from({ length: 1200 }, (_, i) => String(i)))
    } finally {
      await d.close()
    }
  }, 60_000)
})

describe('live tail across a daemon restart', () => {
  it('resumes with Last-Event-ID on the new daemon: no gap, no repeat, logs queued at shutdown included', async () => {
    const admin = 'tail-admin-token-0123456789'
    const env = { LEDGER_ADMIN_TOKEN: admin, LEDGER_SCRYPT_LOG_N: '12' }
    let daemon = await spawnDaemon({ env })
    const home = daemon.home
    let client = new Client({ baseUrl: daemon.url })
    try {
      const { keyClient, key } = await accountWithKey(client, 'restart')
      const tail = await keyClient.tail({ q: 'restart' })
      const first = consume(tail)
      await keyClient.ingestBatch(Array.from({ length: 5 }, (_, i) => log({ message: `restart ${i}` })))
      await waitFor(() => first.events.length === 5)
      // Processed while the tail is open, then queued but not processed at shutdown.
      await client.raw('POST', '/api/v1/admin/queue/pause', { headers: { 'x-admin-token': admin } })
      await keyClient.ingestBatch(Array.from({ length: 5 }, (_, i) => log({ message: `restart ${5 + i}` })))
      expect((await keyClient.queueDepth()).queue_depth).toBe(5)
      expect(await daemon.stop()).toBe(0)
      // The stream ended with the daemon (and did not keep the daemon from exiting).
      await first.done.catch(() => undefined)
      const last = tail.lastEventId!
      expect(last).toBe(first.events[4]!.id)
      await client.close()

      daemon = await spawnDaemon({ home, env })
      client = new Client({ baseUrl: daemon.url })
      const again = client.withCredential(key.full_key)
      await again.ingestBatch(Array.from({ length: 5 }, (_, i) => log({ message: `restart ${10 + i}` })))
      const resumed = await again.tail({ q: 'restart' }, { lastEventId: last })
      const second = consume(resumed)
      await waitFor(() => second.events.length >= 10, 10_000)
      resumed.close()
      expect(messages(second.events)).toEqual(Array.from({ length: 10 }, (_, i) => `restart ${5 + i}`))
      const ids = [...first.events, ...second.events].map((e) => e.id)
      expect(new Set(ids).size).toBe(15)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
    } finally {
      await client.close()
      await daemon.stop()
    }
  }, 60_000)
})
