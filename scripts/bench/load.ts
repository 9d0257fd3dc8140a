// Load generator for `npm run bench`, run in its own process so it does not share the
// daemon's (or the bench driver's) CPU time accounting. Input: JSON in argv[2]. Output: JSON.
import { connect } from 'node:net'
import { otlpTypes } from '../dist/daemon/ingest/otlp/schema.js'
import { makeLogs, makeOtlpRequest } from './bench-data.js'
import { threadCpu } from './bench-threads.js'

const opts = JSON.parse(process.argv[2])

/**
 * One keep-alive HTTP/1.1 connection on a raw socket, one request at a time. The load
 * generator shares the machine's two cores with the daemon: with undici it spent ~330 µs of CPU
 * per small request and was the bottleneck of (d) (a full core at ~3000 req/s); this costs a
 * fraction of that. It reads what the daemon sends: a status line, headers, a Content-Length body.
 */
class Connection {
  constructor(url) {
    this.socket = connect({ host: url.hostname, port: Number(url.port) })
    this.socket.setNoDelay(true)
    this.host = url.host
    this.buffer = Buffer.alloc(0)
    this.waiting = null
    this.socket.on('data', (chunk) => this.read(chunk))
    this.socket.on('error', (err) => this.fail(err))
    this.socket.on('close', () => this.fail(new Error('the daemon closed the connection')))
  }

  /** Sends one request; resolves with the response's status once its whole body is read. */
  send(path, key, contentType, body, full = false) {
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

  read(chunk) {
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

  fail(err) {
    const w = this.waiting
    this.waiting = null
    w?.reject(err)
  }

  close() {
    this.socket.removeAllListeners('close')
    this.socket.destroy()
  }
}

/** `opts.concurrency` connections; a request takes a free one, or waits for one. */
const target = new URL(opts.url)
const idle = Array.from({ length: opts.concurrency }, () => new Connection(target))
const all = [...idle]
const queued = []
async function withConnection(fn) {
  const c = idle.pop() ?? (await new Promise((resolve) => queued.push(resolve)))
  try {
    return await fn(c)
  } finally {
    const next = queued.shift()
    if (next) next(c)
    else idle.push(c)
  }
}

/** Sorts `samples` and returns p → the p-quantile of them (p = 1: the largest). */
function percentiles(samples) {
  samples.sort((a, b) => a - b)
  return (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]
}

async function post(path, key, body, contentType = 'application/json', expected = 202) {
  const t = performance.now()
  const status = await withConnection((c) => c.send(path, key, contentType, body))
  if (status !== expected) throw new Error(`HTTP ${status} on ${path}`)
  return performance.now() - t
}

/**
 * Sends `bodies` with `opts.concurrency` clients, each one request at a time, after a warm-up of
 * `WARMUP` requests (connections open, JIT warm, decoding threads started) that is not timed.
 * Returns the logs sent in the timed part, its seconds, and the generator's own CPU time per
 * request (it shares the machine's cores with the daemon).
 */
const WARMUP = 20
async function sendAll(path, bodies, contentType, expected) {
  let next = 0
  const run = (until) =>
    Promise.all(
      Array.from({ length: opts.concurrency }, async (_, c) => {
        while (next < until) await post(path, opts.keys[c % opts.keys.length], bodies[next++], contentType, expected)
      }),
    )
  await run(Math.min(WARMUP, bodies.length))
  const timed = bodies.length - next
  // The daemon's threads too, when asked: over the timed part only, as the rate.
  const daemonCpuBefore = opts.daemonPid ? threadCpu(opts.daemonPid) : null
  const cpu = process.cpuUsage()
  const started = performance.now()
  await run(bodies.length)
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const daemonCpuAfter = opts.daemonPid ? threadCpu(opts.daemonPid) : null
  return {
    logs: timed * opts.batchSize,
    warmupLogs: (bodies.length - timed) * opts.batchSize,
    seconds,
    generatorCpuMsPerRequest: (used.user + used.system) / 1000 / timed,
    daemonCpuBefore,
    daemonCpuAfter,
  }
}

async function batches() {
  // Bodies serialised (and encoded) up front: the client should cost the daemon-side figure
  // as little as it can.
  const bodies = []
  for (let b = 0; b < opts.requests + WARMUP; b++)
    bodies.push(Buffer.from(JSON.stringify({ logs: makeLogs(opts.batchSize, b * opts.batchSize) })))
  return sendAll('/api/v1/ingest/batch', bodies, 'application/json', 202)
}

// OTLP/HTTP protobuf requests of the same logs to POST /v1/logs (bodies encoded up front).
async function otlpBatches() {
  const { request: type } = otlpTypes()
  const bodies = []
  for (let b = 0; b < opts.requests + WARMUP; b++) {
    bodies.push(Buffer.from(type.encode(type.fromObject(makeOtlpRequest(opts.batchSize, b * opts.batchSize))).finish()))
  }
  return sendAll('/v1/logs', bodies, 'application/x-protobuf', 200)
}

async function singles() {
  const bodies = makeLogs(opts.requests).map((l) => Buffer.from(JSON.stringify(l)))
  const latencies = []
  let next = 0
  // Warm-up: connections open, JIT warm.
  await Promise.all(opts.keys.map((k) => post('/api/v1/ingest/single', k, bodies[0])))
  const started = performance.now()
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, c) => {
      while (next < bodies.length)
        latencies.push(await post('/api/v1/ingest/single', opts.keys[c % opts.keys.length], bodies[next++]))
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const at = percentiles(latencies)
  return { requests: latencies.length, seconds, p50: at(0.5), p99: at(0.99) }
}

// Open loop at a fixed rate (wrk2-style): request i is due at start + i/rate, and its latency
// counts from when it was due, so a stall shows up instead of hiding (coordinated omission).
async function singlesAtRate() {
  const total = Math.round(opts.rate * opts.seconds)
  const bodies = makeLogs(total).map((l) => Buffer.from(JSON.stringify(l)))
  await Promise.all(opts.keys.map((k) => post('/api/v1/ingest/single', k, bodies[0])))
  const latencies = []
  const lags = []
  let next = 0
  const start = performance.now() + 50
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, c) => {
      while (next < total) {
        const i = next++
        const due = start + (i * 1000) / opts.rate
        const wait = due - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        // How late the generator itself sends (its own event loop, the shared CPU): part of
        // the latency below, and not the daemon's.
        lags.push(performance.now() - due)
        await post('/api/v1/ingest/single', opts.keys[c % opts.keys.length], bodies[i])
        latencies.push(performance.now() - due)
      }
    }),
  )
  const at = percentiles(latencies)
  const lag = percentiles(lags)
  return { requests: total, rate: opts.rate, p50: at(0.5), p99: at(0.99), max: at(1), lagP99: lag(0.99), lagMax: lag(1) }
}

/**
 * (s): `opts.concurrency` clients post `opts.batchSize`-log batches for `opts.seconds`, as an
 * application's fleet would: a 503 (queue full) or 429 is waited out as its Retry-After says and
 * the same batch sent again. Logs are made as they are sent (live timestamps, distinct text), at
 * ~1 ms of CPU per 1000-log request. Returns the logs accepted, the refusals and the seconds.
 */
async function sustained() {
  let seq = opts.offset ?? 0
  let accepted = 0
  let refused = 0
  let waitedMs = 0
  const deadline = performance.now() + opts.seconds * 1000
  const started = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, c) => {
      const key = opts.keys[c % opts.keys.length]
      while (performance.now() < deadline) {
        const body = liveBatch(opts.batchSize, seq)
        seq += opts.batchSize
        for (;;) {
          const r = await withConnection((conn) => conn.send('/api/v1/ingest/batch', key, 'application/json', body, true))
          if (r.status === 202) {
            accepted += opts.batchSize
            break
          }
          if (r.status !== 503 && r.status !== 429) throw new Error(`HTTP ${r.status} on /api/v1/ingest/batch`)
          refused++
          const wait = Math.min(opts.maxWaitMs ?? Infinity, Math.max(50, (r.retryAfter ?? 1) * 1000 * (0.5 + Math.random() / 2)))
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

const SUSTAINED_LEVELS = ['debug', 'info', 'info', 'info', 'warning', 'error']
const SUSTAINED_WORDS = ['request', 'served', 'user', 'cache', 'miss', 'timeout', 'connection', 'refused', 'retry', 'payment']
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
 * bench-data.js's logs, written straight into a buffer (~2 ms of CPU per 1000 logs, where
 * JSON.stringify of objects costs ~8).
 */
function liveBatch(n, offset) {
  const ts = new Date().toISOString()
  let o = scratch.write('{"logs":[', 0, 'latin1')
  for (let i = 0; i < n; i++) {
    const k = offset + i
    const level = k % 6
    const head = SUSTAINED_HEADS[level]
    if (i > 0) scratch[o++] = 44 // ,
    scratch.write(head, o, 'latin1')
    scratch.write(ts, o + 14, 'latin1')
    o += head.length
    o += scratch.write(
      `${SUSTAINED_WORDS[k % 10]} ${SUSTAINED_WORDS[(k * 7) % 10]} ${SUSTAINED_WORDS[(k * 3) % 10]} #${k} in ${k % 97} ms` +
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

const result =
  opts.mode === 'sustained'
    ? await sustained()
    : opts.mode === 'batch'
    ? await batches()
    : opts.mode === 'otlp'
      ? await otlpBatches()
    : opts.mode === 'single-rate'
      ? await singlesAtRate()
      : await singles()
for (const c of all) c.close()
process.stdout.write(JSON.stringify(result))
