import { describe, expect, test } from 'vitest'
import { Shipper, type ShipperEvent, type ShipperOptions } from '../../../src/cli/ingest/shipper.js'
import type { BytesTransport } from '../../../src/client/bytes-transport.js'
import type { RawResponse } from '../../../src/client/index.js'
import { FakeClock } from '../../helpers/fake-clock.js'

// The shipper's waiting logic on an injected clock and a scripted transport: Retry-After,
// jitter, busy answers that are never given up, and give-up windows that apply to failures
// only. Minutes of waiting take microseconds, and every wait is checked to the millisecond.
// (Its behaviour against a real daemon is in shipper.test.ts.)

interface Call {
  at: number
  key: string | undefined
  logs: number
}

type Answer = RawResponse | Error

const accepted = (n: number, lastId = 0): RawResponse => ({
  status: 202,
  headers: lastId > 0 ? { 'ledger-last-log-id': String(lastId) } : {},
  body: { accepted: n, rejected: 0, errors: null },
})
const busy = (status: 429 | 503, retryAfter?: number): RawResponse => ({
  status,
  headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
  body: { detail: status === 503 ? 'Ingestion queue is full' : 'Rate limit exceeded' },
})
const serverError: RawResponse = { status: 500, headers: {}, body: { detail: 'Internal Server Error' } }
const unreachable = () => new Error('cannot reach the Ledger daemon at http://127.0.0.1:1: connect ECONNREFUSED')

/** A transport answering from a script: `answer(n, call)` for the n-th request (0-based). */
function scripted(clock: FakeClock, answer: (n: number, call: Call) => Answer) {
  const calls: Call[] = []
  const transport: BytesTransport = {
    baseUrl: 'http://127.0.0.1:1',
    close: async () => {},
    async request(_method, _path, body, headers) {
      const call = {
        at: clock.now(),
        key: headers['idempotency-key'],
        logs: body ? (JSON.parse(body.toString('utf8')) as { logs: unknown[] }).logs.length : 0,
      }
      calls.push(call)
      const a = answer(calls.length - 1, call)
      if (a instanceof Error) throw a
      return a
    },
  }
  return { transport, calls }
}

const log = (i: number) =>
  `{"timestamp":"2026-01-01T00:00:00Z","level":"info","log_type":"console","importance":"standard","message":"line ${i}"}`

function setup(answer: (n: number, call: Call) => Answer, options: Partial<ShipperOptions> = {}) {
  const clock = new FakeClock()
  const { transport, calls } = scripted(clock, answer)
  const events: ShipperEvent[] = []
  const shipper = new Shipper({ transport, clock, onEvent: (e) => events.push(e), ...options })
  let finished = false
  const finish = () =>
    shipper.finish().then(() => {
      finished = true
    })
  return { clock, calls, events, shipper, finish, done: () => finished }
}

const gaps = (calls: Call[]) => calls.slice(1).map((c, i) => c.at - calls[i]!.at)

describe('a busy daemon (429, 503) is waited for, however long', () => {
  test('503 with Retry-After: 5, forty times over 200 s, with a give-up window of 1 s: every wait as told, nothing given up', async () => {
    const t = setup((n, c) => (n < 40 ? busy(503, 5) : accepted(c.logs)), { giveUpAfterMs: 1000, random: () => 0 })
    for (let i = 1; i <= 10; i++) t.shipper.add(log(i), i)
    // The input ends at once: the give-up window is over long before the daemon has room.
    const done = t.finish()
    await t.clock.runUntil(t.done)
    await done
    expect(t.calls).toHaveLength(41)
    // Never sooner than asked (no jitter drawn here: random() = 0), and the same key each time.
    expect(gaps(t.calls)).toEqual(Array.from({ length: 40 }, () => 5000))
    expect(new Set(t.calls.map((c) => c.key)).size).toBe(1)
    expect(t.shipper.stats).toMatchObject({ accepted: 10, undelivered: 0, retries: 40, busyWaitMs: 200_000, waiting: null })
    // Said once, not forty times; and no "recovered" news for a daemon that was only busy.
    expect(t.events).toEqual([{ kind: 'busy', reason: 'HTTP 503: Ingestion queue is full', status: 503, delayMs: 5000 }])
  })

  test('jitter: a Retry-After wait gets up to a quarter of it more, at most 1 s', async () => {
    const draws = [1, 1, 0.5]
    const t = setup((n, c) => (n < 3 ? busy(503, [2, 20, 8][n]) : accepted(c.logs)), { random: () => draws.shift() ?? 0 })
    t.shipper.add(log(1), 1)
    const done = t.finish()
    await t.clock.runUntil(t.done)
    await done
    // 2 s + 0.5 s (a quarter); 20 s + 1 s (the cap); 8 s + 0.5 × 1 s.
    expect(gaps(t.calls)).toEqual([2500, 21_000, 8500])
  })

  test('429 for a spent daily quota (Retry-After: 3600): asked again every 60 s, delivered once the daemon takes it', async () => {
    const t = setup((n, c) => (c.at - t0 < 3_600_000 ? busy(429, Math.ceil((3_600_000 - (c.at - t0)) / 1000)) : accepted(c.logs)), {
      random: () => 0,
      giveUpAfterMs: 5000,
      onFailure: 'fail',
    })
    const t0 = t.clock.now()
    t.shipper.add(log(1), 1)
    const done = t.finish()
    await t.clock.runUntil(t.done)
    await done
    expect(t.calls).toHaveLength(61)
    expect(new Set(gaps(t.calls))).toEqual(new Set([60_000]))
    expect(t.shipper.fatal).toBeNull()
    expect(t.shipper.stats).toMatchObject({ accepted: 1, undelivered: 0 })
    expect(t.events.filter((e) => e.kind === 'busy')).toHaveLength(1)
  })

  test('429 or 503 without Retry-After: backoff with jitter (up to 5 s), still never given up', async () => {
    const t = setup((n, c) => (n < 30 ? busy(n % 2 ? 429 : 503) : accepted(c.logs)), {
      random: () => 1,
      giveUpAfterMs: 100,
      onFailure: 'drop',
    })
    t.shipper.add(log(1), 1)
    const done = t.finish()
    await t.clock.runUntil(t.done)
    await done
    expect(t.shipper.stats).toMatchObject({ accepted: 1, undelivered: 0, retries: 30 })
    expect(gaps(t.calls).slice(0, 8)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000])
  })

  test('one Retry-After holds every batch back, each with its own jitter', async () => {
    let draw = 0
    const t = setup((n, c) => (n < 4 ? busy(503, 10) : accepted(c.logs)), {
      maxBatchLogs: 1,
      concurrency: 4,
      random: () => (draw++ % 4) / 4,
    })
    for (let i = 1; i <= 4; i++) t.shipper.add(log(i), i)
    const done = t.finish()
    await t.clock.runUntil(t.done)
    await done
    const first = t.calls.slice(0, 4)
    const retries = t.calls.slice(4)
    expect(retries).toHaveLength(4)
    const start = first[0]!.at
    for (const c of retries) {
      expect(c.at - start).toBeGreaterThanOrEqual(10_000)
      expect(c.at - start).toBeLessThanOrEqual(11_000)
    }
    // Not all at the same instant.
    expect(new Set(retries.map((c) => c.at)).size).toBeGreaterThan(1)
  })
})

describe('failures (unreachable, 5xx other than 503) are given up after the window', () => {
  test('retry: kept while the input is open, given up the window after it ends', async () => {
    const t = setup(() => unreachable(), { giveUpAfterMs: 10_000, backoff: { baseMs: 100, capMs: 1000 }, random: () => 1 })
    t.shipper.add(log(1), 1)
    await t.clock.advance(120_000)
    expect(t.shipper.stats.undelivered).toBe(0)
    expect(t.calls.length).toBeGreaterThan(100)
    const endedAt = t.clock.now()
    const done = t.finish()
    await t.clock.runUntil(t.done)
    await done
    expect(t.clock.now() - endedAt).toBe(10_000)
    expect(t.shipper.stats).toMatchObject({ accepted: 0, undelivered: 1, failing: expect.stringMatching(/ECONNREFUSED/) })
    expect(t.events.filter((e) => e.kind === 'retrying')).toHaveLength(1)
  })

  test('drop: a batch failing for the window is dropped; one that is only busy in between is not', async () => {
    // Batch 1 fails (500) without a break; batch 2 alternates 500 and 503: each busy answer
    // shows the daemon is there, so its failures never last the window.
    const t = setup(
      (n, c) => {
        if (c.at - t0 > 60_000) return accepted(c.logs)
        return c.key === t.calls[0]!.key ? serverError : n % 2 ? busy(503, 3) : serverError
      },
      { onFailure: 'drop', giveUpAfterMs: 10_000, maxBatchLogs: 1, concurrency: 1, random: () => 1, backoff: { capMs: 2000 } },
    )
    const t0 = t.clock.now()
    t.shipper.add(log(1), 1)
    t.shipper.add(log(2), 2)
    const done = t.finish()
    await t.clock.runUntil(t.done)
    await done
    expect(t.shipper.stats).toMatchObject({ accepted: 1, undelivered: 1 })
    expect(t.events).toContainEqual(expect.objectContaining({ kind: 'undelivered', firstLine: 1, lastLine: 1, reason: expect.stringMatching(/^gave up after 10 s: HTTP 500/) }))
  })

  test('fail: a hung request is abandoned when the window ends', async () => {
    const clock = new FakeClock()
    const transport: BytesTransport = {
      baseUrl: 'http://127.0.0.1:1',
      close: async () => {},
      request: (_m, _p, _b, _h, signal) =>
        new Promise((_resolve, reject) => {
          // The first request fails; the retry hangs until aborted.
          if (calls++ === 0) return reject(unreachable())
          signal?.addEventListener('abort', () => reject(new Error('aborted')))
        }),
    }
    let calls = 0
    const shipper = new Shipper({ transport, clock, onFailure: 'fail', giveUpAfterMs: 5000, random: () => 0, maxBatchLogs: 1 })
    shipper.add(log(1), 1) // a full batch: sent at once
    await clock.runUntil(() => shipper.stopped)
    expect(shipper.fatal).toMatchObject({ auth: false, detail: expect.stringMatching(/^gave up after 5 s: .*ECONNREFUSED/) })
    expect(calls).toBe(2)
  })

  test('a failure after busy answers is announced; recovery from a failure too', async () => {
    const script: Answer[] = [busy(503, 1), busy(503, 1), serverError, serverError]
    const t = setup((n, c) => script[n] ?? accepted(c.logs), { random: () => 0, backoff: { baseMs: 100 } })
    t.shipper.add(log(1), 1)
    const done = t.finish()
    await t.clock.runUntil(t.done)
    await done
    expect(t.events.map((e) => e.kind)).toEqual(['busy', 'retrying', 'recovered'])
  })
})

describe('Ledger-Last-Log-Id', () => {
  test('the largest id of the accepted batches is kept; answers without one are counted', async () => {
    const ids = [17, 42, 30]
    const t = setup((n, c) => (n < 3 ? accepted(c.logs, ids[n]) : accepted(c.logs)), { maxBatchLogs: 1, concurrency: 1 })
    for (let i = 1; i <= 4; i++) t.shipper.add(log(i), i)
    const done = t.finish()
    await t.clock.runUntil(t.done)
    await done
    expect(t.shipper.stats).toMatchObject({ accepted: 4, lastLogId: 42, withoutLogId: 1 })
  })
})
