// (i) of `npm run bench`: batch ingestion with 100 live tails open on the project against the
// same with none, in the same run (`npm run bench -- tails` runs only this part). The worker
// runs (tails see logs once processed), so both sides pay for processing; the queue is drained
// before each round. Rounds alternate, none / tails / none / tails, because this machine's
// speed drifts by minutes; each side's figure is the mean of its rounds.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LedgerClient } from '../../src/client/index.js'
import { type StartDaemon, stopProcess } from './daemon.js'
import { benchHealth, queueDrained } from './health.js'
import type { BatchLoad, BatchResult } from './load-protocol.js'
import { benchScript } from './paths.js'
import type { TailClientsOptions, TailCounts } from './tail-clients.js'
import { type CpuPerRequest, cpuPerRequest, threadCpu } from './threads.js'

const BATCH = 1000

/** A kind of tail: `count` tails with the same query. */
export interface TailKind {
  name: string
  count: number
  query: Record<string, string>
}

// What 100 people following one busy project might watch. In data.ts's logs: no level is
// `critical`, `deadlock` is in 1 log in 5000, each user_id in 1 in 1000, and one tail follows
// everything.
const TAILS: readonly TailKind[] = process.env['BENCH_TAILS']
  ? (JSON.parse(process.env['BENCH_TAILS']) as TailKind[])
  : [
      { name: 'everything', count: 1, query: {} },
      { name: 'level=critical', count: 33, query: { level: 'critical' } },
      { name: 'q=deadlock', count: 33, query: { q: 'deadlock' } },
      { name: 'attr.user_id=7', count: 33, query: { 'attr.user_id': '7' } },
    ]

/** The tails open in their own process. */
interface OpenTails {
  count: number
  /** Waits until the tails have received everything (their counts stop growing for 2 s), then closes them. */
  close(): Promise<TailCounts>
}

/** Opens the tails in their own process; resolves once every one is connected. */
async function openTails(url: string, key: string): Promise<OpenTails> {
  const tails = TAILS.flatMap((t) => Array.from({ length: t.count }, () => ({ name: t.name, query: t.query })))
  const options: TailClientsOptions = { url, key, tails }
  const child = spawn(process.execPath, [benchScript('tail-clients'), JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d: string) => {
    out += d
  })
  await new Promise<void>((resolve, reject) => {
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
  const counts = async (): Promise<TailCounts> => {
    const before = out.length
    child.stdin.write('counts\n')
    while (!out.slice(before).includes('\n')) await new Promise((r) => setTimeout(r, 10))
    return JSON.parse(out.slice(before, out.indexOf('\n', before))) as TailCounts
  }
  return {
    count: tails.length,
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
      return JSON.parse(last) as TailCounts
    },
  }
}

/** p99 and max of /health answered every 50 ms while `work` runs. */
async function healthDuring<T>(client: LedgerClient, work: () => Promise<T>): Promise<{ result: T; times: number[] }> {
  const times: number[] = []
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

/** One round of (i). */
export interface TailsRound {
  withTails: boolean
  /** Logs per second accepted. */
  rate: number
  healthP99: number
  healthMax: number
  /** What each kind of tail received (null: a round without tails). */
  received: TailCounts | null
  /** The daemon's CPU per 1000 logs over the round. */
  cpu: CpuPerRequest | null
  /** The share of the main thread the tails took while the load ran. */
  tailShare: number
}

/** What (i) measured. */
export interface TailsResult {
  /** Tails open in a round with tails. */
  tails: number
  /** The kinds of tail, as printed. */
  kinds: string
  rounds: TailsRound[]
  /** Mean logs per second of the rounds without tails, and of those with. */
  none: number
  withTails: number
}

/**
 * Runs the rounds on a daemon of its own. `startDaemon(home, env)` and `load(opts)` are the
 * benchmark's own (daemon.ts, load-protocol.ts). Returns the rates with and without tails and
 * what the tails got.
 */
export async function benchTails(
  startDaemon: StartDaemon,
  load: (opts: BatchLoad) => Promise<BatchResult>,
  rows: number,
): Promise<TailsResult> {
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-'))
  const { child, pid, url } = await startDaemon(home, {})
  const anon = new LedgerClient({ baseUrl: url })
  try {
    const reg = await anon.register({ email: 'tails@example.com', password: 'BenchPass123', name: 'Bench' })
    const me = anon.withCredential(reg.access_token)
    const project = await me.createProject({ name: 'Tails', slug: 'tails' })
    await me.updateProject('tails', { daily_quota: 1_000_000_000 })
    const keys: string[] = []
    for (let i = 0; i < 10; i++) keys.push((await me.createApiKey(project.project_id, { name: `k${i}` })).full_key)
    const tailKey = (await me.createApiKey(project.project_id, { name: 'tails', scopes: ['read'] })).full_key
    const batchLoad: BatchLoad = { url, mode: 'batch', concurrency: 10, requests: rows / BATCH, batchSize: BATCH, keys }
    const rounds: TailsRound[] = []
    for (const withTails of [false, true, false, true]) {
      await queueDrained(anon, 20)
      const tails = withTails ? await openTails(url, tailKey) : null
      const cpuBefore = threadCpu(pid)
      const busyBefore = (await benchHealth(anon)).tailsBusyMs
      const { result, times } = await healthDuring(anon, () => load(batchLoad))
      // The main thread's time the tails took while the load ran (reading and sending, as paced).
      const busyDuring = (await benchHealth(anon)).tailsBusyMs - busyBefore
      // What the tails were sent of this round's logs: once processed, which may be after the load.
      await queueDrained(anon, 20)
      const received = tails ? await tails.close() : null
      // The daemon's CPU over the round, processing and tails included, per 1000 logs accepted.
      const cpu = cpuPerRequest(pid, cpuBefore, threadCpu(pid), (result.logs + result.warmupLogs) / BATCH)
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
    const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
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
    await stopProcess(child)
    rmSync(home, { recursive: true, force: true })
  }
}
