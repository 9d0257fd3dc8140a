// (i) of `npm run bench`: batch ingestion with 100 live tails open on the project against the
// same with none, in the same run (`npm run bench -- tails` runs only this part). The worker
// runs (tails see logs once processed), so both sides pay for processing; the queue is drained
// before each round. Rounds alternate, none / tails / none / tails, because this machine's
// speed drifts by minutes; each side's figure is the mean of its rounds.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LedgerClient } from '../dist/client/index.js'
import { cpuPerRequest, threadCpu } from './bench-threads.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const BATCH = 1000

// What 100 people following one busy project might watch. In bench-data.js's logs: no level is
// `critical`, `deadlock` is in 1 log in 5000, each user_id in 1 in 1000, and one tail follows
// everything.
const TAILS = process.env.BENCH_TAILS
  ? JSON.parse(process.env.BENCH_TAILS)
  : [
      { name: 'everything', count: 1, query: {} },
      { name: 'level=critical', count: 33, query: { level: 'critical' } },
      { name: 'q=deadlock', count: 33, query: { q: 'deadlock' } },
      { name: 'attr.user_id=7', count: 33, query: { 'attr.user_id': '7' } },
    ]

/** Opens the tails in their own process; resolves once every one is connected. */
async function openTails(url, key) {
  const tails = TAILS.flatMap((t) => Array.from({ length: t.count }, () => ({ name: t.name, query: t.query })))
  const child = spawn(process.execPath, [join(root, 'scripts', 'bench-tail-clients.js'), JSON.stringify({ url, key, tails })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d) => {
    out += d
  })
  await new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (out.includes('ready\n')) {
        clearInterval(check)
        resolve()
      }
    }, 10)
    child.once('exit', (code) => {
      clearInterval(check)
      reject(new Error(`the tail clients exited (code ${code})`))
    })
  })
  /** The events each kind of tail has received so far. */
  const counts = async () => {
    const before = out.length
    child.stdin.write('counts\n')
    while (!out.slice(before).includes('\n')) await new Promise((r) => setTimeout(r, 10))
    return JSON.parse(out.slice(before, out.indexOf('\n', before)))
  }
  return {
    count: tails.length,
    /** Waits until the tails have received everything (their counts stop growing for 2 s), then closes them. */
    async close() {
      let last = JSON.stringify(await counts())
      let still = 0
      while (still < 4) {
        await new Promise((r) => setTimeout(r, 500))
        const now = JSON.stringify(await counts())
        still = now === last ? still + 1 : 0
        last = now
      }
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.stdin.write('stop\n')
      await exited
      return JSON.parse(last)
    },
  }
}

/** p99 and max of /health answered every 50 ms while `work` runs. */
async function healthDuring(client, work) {
  const times = []
  let running = true
  const pinger = (async () => {
    while (running) {
      const t = performance.now()
      await client.health()
      times.push(performance.now() - t)
      await new Promise((r) => setTimeout(r, 50))
    }
  })()
  try {
    return { result: await work(), times }
  } finally {
    running = false
    await pinger
    times.sort((a, b) => a - b)
  }
}

/**
 * Runs the rounds on a daemon of its own. `startDaemon(home, env)` and `load(opts)` are the
 * benchmark's own (bench.js). Returns the rates with and without tails and what the tails got.
 */
export async function benchTails(startDaemon, load, rows) {
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-'))
  const { child, url } = await startDaemon(home, {})
  const anon = new LedgerClient({ baseUrl: url })
  try {
    const reg = await anon.register({ email: 'tails@example.com', password: 'BenchPass123', name: 'Bench' })
    const me = anon.withCredential(reg.access_token)
    const project = await me.createProject({ name: 'Tails', slug: 'tails' })
    await me.updateProject('tails', { daily_quota: 1_000_000_000 })
    const keys = []
    for (let i = 0; i < 10; i++) keys.push((await me.createApiKey(project.project_id, { name: `k${i}` })).full_key)
    const tailKey = (await me.createApiKey(project.project_id, { name: 'tails', scopes: ['read'] })).full_key
    const batchLoad = { url, mode: 'batch', concurrency: 10, requests: rows / BATCH, batchSize: BATCH, keys }
    const drained = async () => {
      for (;;) {
        const h = await anon.deepHealth()
        if (h.services.ingestion_queue.depth === 0) return
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    const rounds = []
    for (const withTails of [false, true, false, true]) {
      await drained()
      const tails = withTails ? await openTails(url, tailKey) : null
      const cpuBefore = threadCpu(child.pid)
      const busyBefore = (await anon.deepHealth()).services.live_tails.busy_ms
      const { result, times } = await healthDuring(anon, () => load(batchLoad))
      // The main thread's time the tails took while the load ran (reading and sending, as paced).
      const busyDuring = (await anon.deepHealth()).services.live_tails.busy_ms - busyBefore
      // What the tails were sent of this round's logs: once processed, which may be after the load.
      await drained()
      const received = tails ? await tails.close() : null
      // The daemon's CPU over the round, processing and tails included, per 1000 logs accepted.
      const cpu = cpuPerRequest(child.pid, cpuBefore, threadCpu(child.pid), (result.logs + result.warmupLogs) / BATCH)
      rounds.push({
        withTails,
        rate: result.logs / result.seconds,
        healthP99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] ?? 0,
        healthMax: times.at(-1) ?? 0,
        received,
        cpu,
        tailShare: busyDuring / 1000 / result.seconds,
      })
    }
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
    const none = rounds.filter((r) => !r.withTails)
    const tailed = rounds.filter((r) => r.withTails)
    return {
      tails: TAILS.reduce((n, t) => n + t.count, 0),
      kinds: TAILS.map((t) => `${t.count} × ${t.name}`).join(', '),
      rounds,
      none: mean(none.map((r) => r.rate)),
      withTails: mean(tailed.map((r) => r.rate)),
    }
  } finally {
    await anon.close()
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    rmSync(home, { recursive: true, force: true })
  }
}
