// Load generator for `npm run bench`, run in its own process so it does not share the
// daemon's (or the bench driver's) CPU time accounting. Input: JSON in argv[2]. Output: JSON.
import { connect, type Socket } from 'node:net'
import { otlpTypes } from '../../src/daemon/ingest/otlp/schema.js'
import { makeLogs, makeOtlpRequest, word } from './data.js'
import type {
  BatchLoad,
  BatchResult,
  LoadOptions,
  SingleLoad,
  SingleRateLoad,
  SingleResult,
  SingleRateResult,
  SustainedLoad,
  SustainedResult,
} from './load-protocol.js'
import { threadCpu } from './threads.js'

if (!process.argv[2]) throw new Error('usage: load.js <options as JSON> (see load-protocol.ts)')
const opts = JSON.parse(process.argv[2]) as LoadOptions

/** A response's status and its Retry-After (seconds), when asked for in full. */
interface FullResponse {
  status: number
  retryAfter: number | null
}

/** The request a connection waits on the response of. */
interface Waiting {
  resolve: (response: number | FullResponse) => void
  reject: (err: Error) => void
  full: boolean
}

/**
 * One keep-alive HTTP/1.1 connection on a raw socket, one request at a time. The load
 * generator shares the machine's two cores with the daemon: with undici it spent ~330 µs of CPU
 * per small request and was the bottleneck of (d) (a full core at ~3000 req/s); this costs a
 * fraction of that. It reads what the daemon sends: a status line, headers, a Content-Length body.
 */
class Connection {
  private readonly socket: Socket
  private readonly host: string
  private buffer: Buffer
  private waiting: Waiting | null
  /** The daemon closed it (keep-alive timeout, a refusal that closes): a new one replaces it. */
  closed = false

  constructor(url: URL) {
    this.socket = connect({ host: url.hostname, port: Number(url.port) })
    this.socket.setNoDelay(true)
    this.host = url.host
    this.buffer = Buffer.alloc(0)
    this.waiting = null
    this.socket.on('data', (chunk) => this.read(chunk))
    this.socket.on('error', (err) => this.fail(err))
    this.socket.on('close', () => {
      this.closed = true
      this.fail(new Error('the daemon closed the connection'))
    })
  }

  /**
   * Sends one request; resolves with the response's status once its whole body is read (with
   * `full`, its status and Retry-After).
   */
  send(path: string, key: string, contentType: string, body: Buffer): Promise<number>
  send(path: string, key: string, contentType: string, body: Buffer, full: true): Promise<FullResponse>
  send(path: string, key: string, contentType: string, body: Buffer, full = false): Promise<number | FullResponse> {
    const head = Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: ${this.host}\r\nContent-Type: ${contentType}\r\n` +
        `Authorization: Bearer ${key}\r\nContent-Length: ${body.length}\r\n\r\n`,
    )
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject, full }
      this.socket.cork()
      this.socket.write(head)
      this.socket.write(body)
      this.socket.uncork()
    })
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    const end = this.buffer.indexOf('\r\n\r\n')
    if (end < 0 || !this.waiting) return
    const head = this.buffer.subarray(0, end).toString('latin1')
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)
    if (!length) return this.fail(new Error(`a response without Content-Length: ${head}`))
    const total = end + 4 + Number(length[1])
    if (this.buffer.length < total) return
    this.buffer = this.buffer.subarray(total)
    const w = this.waiting
    this.waiting = null
    const retryAfter = /\r\nretry-after: *(\d+)/i.exec(head)
    w.resolve(w.full ? { status: Number(head.slice(9, 12)), retryAfter: retryAfter ? Number(retryAfter[1]) : null } : Number(head.slice(9, 12)))
  }

  private fail(err: Error): void {
    const w = this.waiting
    this.waiting = null
    w?.reject(err)
  }

  close(): void {
    this.socket.removeAllListeners('close')
    this.socket.destroy()
  }
}

/** `opts.concurrency` connections; a request takes a free one, or waits for one. */
const target = new URL(opts.url)
const idle = Array.from({ length: opts.concurrency }, () => new Connection(target))
const all = [...idle]

/** The key of connection-user `c` (clients take the keys in turn). */
function keyOf(c: number): string {
  const key = opts.keys[c % opts.keys.length]
  if (key === undefined) throw new Error('the load needs at least one key')
  return key
}

/** `bodies[i]`, which the callers keep in range. */
function bodyAt(bodies: readonly Buffer[], i: number): Buffer {
  const body = bodies[i]
  if (body === undefined) throw new Error(`no body ${i} of ${bodies.length}`)
  return body
}

const queued: Array<(c: Connection) => void> = []
async function withConnection<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
  let c = idle.pop() ?? (await new Promise<Connection>((resolve) => queued.push(resolve)))
  if (c.closed) {
    // A write on a closed socket neither fails nor answers: the request would wait for ever.
    const fresh = new Connection(target)
    all[all.indexOf(c)] = fresh
    c = fresh
  }
  try {
    return await fn(c)
  } finally {
    const next = queued.shift()
    if (next) next(c)
    else idle.push(c)
  }
}

/** Sorts `samples` and returns p → the p-quantile of them (p = 1: the largest). */
function percentiles(samples: number[]): (p: number) => number {
  samples.sort((a, b) => a - b)
  return (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? NaN
}

/**
 * Sends one request, as a client would: a 503 or 429 (the daemon busy: with the worker running,
 * admission follows the indexer) is waited out as its Retry-After says and sent again; the wait
 * counts in the time. Anything else than `expected` ends the run.
 */
async function post(path: string, key: string, body: Buffer, contentType = 'application/json', expected = 202): Promise<number> {
  const t = performance.now()
  for (;;) {
    const r = await withConnection((c) => c.send(path, key, contentType, body, true))
    if (r.status === expected) return performance.now() - t
    if (r.status !== 503 && r.status !== 429) throw new Error(`HTTP ${r.status} on ${path}`)
    await new Promise((resolve) => setTimeout(resolve, Math.max(50, (r.retryAfter ?? 1) * 1000 * (0.5 + Math.random() / 2))))
  }
}

/**
 * Sends `bodies` with `o.concurrency` clients, each one request at a time, after a warm-up of
 * `WARMUP` requests (connections open, JIT warm, decoding threads started) that is not timed.
 * Returns the logs sent in the timed part, its seconds, and the generator's own CPU time per
 * request (it shares the machine's cores with the daemon).
 */
const WARMUP = 20
async function sendAll(o: BatchLoad, path: string, bodies: readonly Buffer[], contentType: string, expected: number): Promise<BatchResult> {
  let next = 0
  const run = (until: number) =>
    Promise.all(
      Array.from({ length: o.concurrency }, async (_, c) => {
        while (next < until) await post(path, keyOf(c), bodyAt(bodies, next++), contentType, expected)
      }),
    )
  await run(Math.min(WARMUP, bodies.length))
  const timed = bodies.length - next
  // The daemon's threads too, when asked: over the timed part only, as the rate.
  const daemonCpuBefore = o.daemonPid ? threadCpu(o.daemonPid) : null
  const cpu = process.cpuUsage()
  const started = performance.now()
  await run(bodies.length)
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const daemonCpuAfter = o.daemonPid ? threadCpu(o.daemonPid) : null
  return {
    logs: timed * o.batchSize,
    warmupLogs: (bodies.length - timed) * o.batchSize,
    seconds,
    generatorCpuMsPerRequest: (used.user + used.system) / 1000 / timed,
    daemonCpuBefore,
    daemonCpuAfter,
  }
}

async function batches(o: BatchLoad): Promise<BatchResult> {
  // Bodies serialised (and encoded) up front: the client should cost the daemon-side figure
  // as little as it can.
  const bodies: Buffer[] = []
  for (let b = 0; b < o.requests + WARMUP; b++)
    bodies.push(Buffer.from(JSON.stringify({ logs: makeLogs(o.batchSize, b * o.batchSize) })))
  return sendAll(o, '/api/v1/ingest/batch', bodies, 'application/json', 202)
}

// OTLP/HTTP protobuf requests of the same logs to POST /v1/logs (bodies encoded up front).
async function otlpBatches(o: BatchLoad): Promise<BatchResult> {
  const { request: type } = otlpTypes()
  const bodies: Buffer[] = []
  for (let b = 0; b < o.requests + WARMUP; b++) {
    bodies.push(Buffer.from(type.encode(type.fromObject(makeOtlpRequest(o.batchSize, b * o.batchSize))).finish()))
  }
  return sendAll(o, '/v1/logs', bodies, 'application/x-protobuf', 200)
}

async function singles(o: SingleLoad): Promise<SingleResult> {
  const bodies = makeLogs(o.requests).map((l) => Buffer.from(JSON.stringify(l)))
  const latencies: number[] = []
  let next = 0
  // Warm-up: connections open, JIT warm.
  await Promise.all(o.keys.map((k) => post('/api/v1/ingest/single', k, bodyAt(bodies, 0))))
  const started = performance.now()
  await Promise.all(
    Array.from({ length: o.concurrency }, async (_, c) => {
      while (next < bodies.length) latencies.push(await post('/api/v1/ingest/single', keyOf(c), bodyAt(bodies, next++)))
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const at = percentiles(latencies)
  return { requests: latencies.length, seconds, p50: at(0.5), p99: at(0.99) }
}

// Open loop at a fixed rate (wrk2-style): request i is due at start + i/rate, and its latency
// counts from when it was due, so a stall shows up instead of hiding (coordinated omission).
async function singlesAtRate(o: SingleRateLoad): Promise<SingleRateResult> {
  const total = Math.round(o.rate * o.seconds)
  const bodies = makeLogs(total).map((l) => Buffer.from(JSON.stringify(l)))
  await Promise.all(o.keys.map((k) => post('/api/v1/ingest/single', k, bodyAt(bodies, 0))))
  const latencies: number[] = []
  const lags: number[] = []
  let next = 0
  const start = performance.now() + 50
  await Promise.all(
    Array.from({ length: o.concurrency }, async (_, c) => {
      while (next < total) {
        const i = next++
        const due = start + (i * 1000) / o.rate
        const wait = due - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        // How late the generator itself sends (its own event loop, the shared CPU): part of
        // the latency below, and not the daemon's.
        lags.push(performance.now() - due)
        await post('/api/v1/ingest/single', keyOf(c), bodyAt(bodies, i))
        latencies.push(performance.now() - due)
      }
    }),
  )
  const at = percentiles(latencies)
  const lag = percentiles(lags)
  return { requests: total, rate: o.rate, p50: at(0.5), p99: at(0.99), max: at(1), lagP99: lag(0.99), lagMax: lag(1) }
}

/**
 * (s): `o.concurrency` clients post `o.batchSize`-log batches for `o.seconds`, as an
 * application's fleet would: a 503 (queue full) or 429 is waited out as its Retry-After says and
 * the same batch sent again. Logs are made as they are sent (live timestamps, distinct text), at
 * ~1 ms of CPU per 1000-log request. Returns the logs accepted, the refusals and the seconds.
 */
async function sustained(o: SustainedLoad): Promise<SustainedResult> {
  let seq = o.offset ?? 0
  let accepted = 0
  let refused = 0
  let waitedMs = 0
  const deadline = performance.now() + o.seconds * 1000
  const started = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: o.concurrency }, async (_, c) => {
      const key = keyOf(c)
      while (performance.now() < deadline) {
        const body = liveBatch(o.batchSize, seq)
        seq += o.batchSize
        for (;;) {
          const r = await withConnection((conn) => conn.send('/api/v1/ingest/batch', key, 'application/json', body, true))
          if (r.status === 202) {
            accepted += o.batchSize
            break
          }
          if (r.status !== 503 && r.status !== 429) throw new Error(`HTTP ${r.status} on /api/v1/ingest/batch`)
          refused++
          const wait = Math.min(o.maxWaitMs ?? Infinity, Math.max(50, (r.retryAfter ?? 1) * 1000 * (0.5 + Math.random() / 2)))
          waitedMs += wait
          if (performance.now() + wait > deadline) return
          await new Promise((resolve) => setTimeout(resolve, wait))
        }
      }
    }),
  )
  const used = process.cpuUsage(cpu)
  return {
    accepted,
    refused,
    waitedMs,
    seconds: (performance.now() - started) / 1000,
    generatorCpuMs: (used.user + used.system) / 1000,
    nextOffset: seq,
  }
}

const SUSTAINED_LEVELS = ['debug', 'info', 'info', 'info', 'warning', 'error'] as const
// Each level's fields up to the message, with room for the timestamp (written in place).
const SUSTAINED_HEADS = SUSTAINED_LEVELS.map((level) => {
  const error = level === 'error'
  return (
    `{"timestamp":"${'0'.repeat(24)}","level":"${level}","log_type":"${error ? 'exception' : 'logger'}",` +
    `"importance":"${error ? 'high' : 'standard'}","message":"`
  )
})
const scratch = Buffer.allocUnsafe(1 << 21)

/**
 * A batch body of `n` logs from sequence `offset`, stamped now: distinct text, in the shape of
 * data.ts's logs, written straight into a buffer (~2 ms of CPU per 1000 logs, where
 * JSON.stringify of objects costs ~8).
 */
function liveBatch(n: number, offset: number): Buffer {
  const ts = new Date().toISOString()
  let o = scratch.write('{"logs":[', 0, 'latin1')
  for (let i = 0; i < n; i++) {
    const k = offset + i
    const level = k % 6
    const head = SUSTAINED_HEADS[level] ?? ''
    if (i > 0) scratch[o++] = 44 // ,
    scratch.write(head, o, 'latin1')
    scratch.write(ts, o + 14, 'latin1')
    o += head.length
    o += scratch.write(
      `${word(k)} ${word(k * 7)} ${word(k * 3)} #${k} in ${k % 97} ms` +
        `${k % 5000 === 17 ? ' deadlock detected' : ''}",` +
        (level === 5 ? `"error_type":"TimeoutError","error_message":"upstream timed out after ${k % 30} s",` : '') +
        `"environment":"production","release":"v1.2.3","attributes":{"request_id":"req_${k}","user_id":"${k % 1000}",` +
        `"path":"/api/items/${k % 50}"}}`,
      o,
      'latin1',
    )
  }
  o += scratch.write(']}', o, 'latin1')
  return Buffer.from(scratch.subarray(0, o))
}

/** Runs the load `o` asks for. */
function runMode(o: LoadOptions): Promise<BatchResult | SingleResult | SingleRateResult | SustainedResult> {
  switch (o.mode) {
    case 'sustained':
      return sustained(o)
    case 'batch':
      return batches(o)
    case 'otlp':
      return otlpBatches(o)
    case 'single-rate':
      return singlesAtRate(o)
    case 'single':
      return singles(o)
  }
}

const result = await runMode(opts)
for (const c of all) c.close()
process.stdout.write(JSON.stringify(result))
