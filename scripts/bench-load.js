// Load generator for `npm run bench`, run in its own process so it does not share the
// daemon's (or the bench driver's) CPU time accounting. Input: JSON in argv[2]. Output: JSON.
import { Agent, request } from 'undici'
import { makeLogs } from './bench-data.js'

const opts = JSON.parse(process.argv[2])
const agent = new Agent({ connections: opts.concurrency, pipelining: 1, keepAliveTimeout: 30_000 })

async function post(path, key, body) {
  const t = performance.now()
  const res = await request(`${opts.url}${path}`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  })
  await res.body.text()
  if (res.statusCode !== 202) throw new Error(`HTTP ${res.statusCode} on ${path}`)
  return performance.now() - t
}

async function batches() {
  // Bodies serialised up front: the client should cost the daemon-side figure nothing.
  const bodies = []
  for (let b = 0; b < opts.requests; b++)
    bodies.push(JSON.stringify({ logs: makeLogs(opts.batchSize, b * opts.batchSize) }))
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, c) => {
      while (next < bodies.length)
        await post('/api/v1/ingest/batch', opts.keys[c % opts.keys.length], bodies[next++])
    }),
  )
  const seconds = (performance.now() - started) / 1000
  return { logs: opts.requests * opts.batchSize, seconds }
}

async function singles() {
  const bodies = makeLogs(opts.requests).map((l) => JSON.stringify(l))
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
  latencies.sort((a, b) => a - b)
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  return { requests: latencies.length, seconds, p50: at(0.5), p99: at(0.99) }
}

const result = opts.mode === 'batch' ? await batches() : await singles()
await agent.close()
process.stdout.write(JSON.stringify(result))
