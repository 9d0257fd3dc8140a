// `npm run bench`: prints the figures the issues name. Not a test: nothing here passes or fails.
// tsc builds it, with the src/ modules it imports, into dist-bench/ (tsconfig.bench.json); the
// daemon and the CLI it measures run from the build in dist/ (bin/run.js).
//   (a1) raw better-sqlite3 insert of accepted logs as the daemon stores them (logs and their
//        indexes, per-minute counts), 1000-row transactions: accepting's ceiling
//   (a2) the same rows stored and indexed for search on one thread (FTS5 in its own file): the
//        ceiling of what becomes searchable
//   (b)  HTTP batch ingestion through the daemon, worker paused, 10 clients in their own process
//        (run again after (h): (h) is compared with the mean of the two)
//   (b') the same logs as OTLP/HTTP protobuf requests to POST /v1/logs, 10 clients
//   (h)  `ledger ingest`: 1,000,000 generated events piped through the CLI, worker paused as in (b),
//        for JSON lines, plain lines with timestamps, and plain lines with 10% multi-line events
//        (BENCH_INGEST_LINES changes the count, BENCH_INGEST_KINDS the kinds; `npm run bench --
//        ingest` runs only (b), the (h)s and (b) again)
//   (c)  the daemon's worker draining what (b), (b') and (h) queued
//   (d)  p50/p99 latency of ingest/single at 50 connections
//   (e)  the rate limiter against rate-limiter-flexible
//   (f)  CLI start-up: `ledger --version` and `ledger whoami` against `node -e 0` (also without
//        NODE_EXTRA_CA_CERTS when it is set)
//   (g)  search over 1,000,000 stored logs: p50/p99 per kind of query (`npm run bench -- search`
//        runs only this part; BENCH_SEARCH_ROWS changes the count)
//   (i)  batch ingestion with 100 live tails open on the project against none, worker running
//        (`npm run bench -- tails` runs only this part; BENCH_TAIL_ROWS logs a round)
//   (j)  the shared rate limiter (Redis, one Lua script per check) against the in-memory one
//        (`npm run bench -- limiter-redis` runs only this part; needs redis-server)
//   (k)  several daemons on one PostgreSQL and one Redis: batch ingestion to 1, 2 and 3 daemons
//        with every process's CPU per 1000 logs, then (j) (`npm run bench -- cluster` runs only
//        this part; needs PostgreSQL and redis-server; cluster.ts)
//   (p)  PostgreSQL next to SQLite: batch ingestion (10 clients) with the CPU of the daemon and of
//        the PostgreSQL server per 1000 logs, and search over 1,000,000 logs (`npm run bench --
//        postgres` runs only this part; postgres.ts; BENCH_POSTGRES_RUNS picks its ingestion runs
//        among sqlite, sqlite-indexing, postgres and postgres-indexing; BENCH_SEARCH_ROWS=0 skips its search)
//   (s)  sustained ingestion, only with `npm run bench -- sustained` (sustained.ts)
// Sizes: BENCH_ROWS (logs of (a) to (c), 200,000), BENCH_SINGLE_RATE ((d'), 1000/s),
// BENCH_CLI_RUNS ((f), 15), BENCH_TAILS ((i)'s tails, JSON), BENCH_SUSTAINED_SECONDS,
// BENCH_SUSTAINED_SMALL, BENCH_SUSTAINED_LARGE and BENCH_SUSTAINED_MAX_WAIT_MS ((s)).
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { LedgerClient } from '../../src/client/index.js'
import type { CreatedApiKey } from '../../src/contract/api-keys.js'
import { LogInputSchema, type ValidLog } from '../../src/contract/ingest.js'
import type { Project } from '../../src/contract/projects.js'
import { emptyColumns, type LogColumns, pushLog } from '../../src/daemon/ingest/batch-decode.js'
import { openDatabase } from '../../src/daemon/storage/sqlite/database.js'
import { attachFulltext, indexNextLogs } from '../../src/daemon/storage/sqlite/fulltext.js'
import { appendLogs } from '../../src/daemon/storage/sqlite/logs.js'
import { benchCliStart } from './cli.js'
import { ADMIN, startDaemon, stopProcess } from './daemon.js'
import { type BenchLog, makeLogs } from './data.js'
import { fmt } from './format.js'
import { queueDrained } from './health.js'
import { benchIngest, INGEST_KINDS, type IngestKind, type IngestResult, isIngestKind } from './ingest.js'
import { benchLimiter } from './limiter.js'
import { benchPostgres } from './postgres.js'
import { benchCluster } from './cluster.js'
import { benchRedisLimiter, printRedisLimiter } from './redis-limiter.js'
import { type BatchLoad, runLoad } from './load-protocol.js'
import { benchSearch } from './search.js'
import { benchSustained } from './sustained.js'
import { benchTails } from './tails.js'
import { cpuPerRequest } from './threads.js'

const ROWS = Number(process.env['BENCH_ROWS'] ?? 200_000)
const BATCH = 1000

/** A log as the daemon stores it, with the project and the time it was received. */
type Row = ValidLog & { project_id: number; received_at: number }

function toRows(logs: readonly BenchLog[], projectId: number, now: number): Row[] {
  return logs.map((l) => {
    const v = LogInputSchema.parse(l)
    return {
      project_id: projectId,
      received_at: now,
      ...v,
      message: v.message,
      attributes: v.attributes,
    }
  })
}

function time(fn: () => void): number {
  const t = performance.now()
  fn()
  return (performance.now() - t) / 1000
}

/** `rows` in columns of BATCH logs, as the daemon's decoding hands them to its insert. */
function toChunks(rows: readonly ValidLog[]): LogColumns[] {
  const chunks: LogColumns[] = []
  for (let i = 0; i < rows.length; i += BATCH) {
    const c = emptyColumns()
    for (const r of rows.slice(i, i + BATCH)) pushLog(c, r)
    chunks.push(c)
  }
  return chunks
}

/** The receive time of the first of `rows` (they share one). */
function receivedAt(rows: readonly Row[]): number {
  const first = rows[0]
  if (!first) throw new Error('BENCH_ROWS must be at least 1')
  return first.received_at
}

function rawQueueInsert(rows: readonly Row[], { checkpoints = false } = {}): number {
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-'))
  const db = openDatabase(join(home, 'a1.db'))
  // (a1): no checkpoint, as in the daemon's request path, whose checkpoints run on another thread.
  // (a1'): SQLite's automatic checkpoints, every 1000 pages: the copy work the daemon's
  // checkpoint thread also has to do, on the same two cores.
  db.pragma(`wal_autocheckpoint = ${checkpoints ? 1000 : 0}`)
  // The daemon's own insert (the same statement and binding), 1000 rows a transaction.
  const chunks = toChunks(rows)
  const now = receivedAt(rows)
  const insert = db.transaction((c: LogColumns) => appendLogs(db, 1, now, c))
  const s = time(() => {
    for (const c of chunks) insert(c)
  })
  db.close()
  rmSync(home, { recursive: true, force: true })
  return rows.length / s
}

function rawIndexedInsert(rows: readonly Row[]): number {
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-'))
  const db = openDatabase(join(home, 'a2.db'))
  attachFulltext(db, join(home, 'a2-fulltext.db'))
  db.pragma('wal_autocheckpoint = 0')
  const index = new BetterSqlite3(join(home, 'a2-fulltext.db'))
  const chunks = toChunks(rows)
  const now = receivedAt(rows)
  // The daemon's own steps, one after the other on one thread: the storing commit, then the
  // full-text commit of the same logs.
  const store = db.transaction((c: LogColumns) => appendLogs(db, 1, now, c))
  const s = time(() => {
    for (const c of chunks) {
      store(c)
      indexNextLogs(db, index, BATCH)
    }
  })
  index.close()
  db.close()
  rmSync(home, { recursive: true, force: true })
  return rows.length / s
}

const INGEST_LABELS: Record<IngestKind, string> = {
  json: 'JSON lines',
  plain: 'plain lines with timestamps',
  multiline: 'plain, 10% multi-line events',
}

/** The kinds of input BENCH_INGEST_KINDS names (default: all three). */
function ingestKinds(): IngestKind[] {
  const kinds = (process.env['BENCH_INGEST_KINDS'] ?? INGEST_KINDS.join(',')).split(',')
  const wrong = kinds.filter((k) => !isIngestKind(k))
  if (wrong.length > 0) throw new Error(`BENCH_INGEST_KINDS: ${wrong.join(', ')}? The kinds are ${INGEST_KINDS.join(', ')}`)
  return kinds.filter(isIngestKind)
}

/** The bench's account: its unauthenticated and logged-in clients, project (quota raised) and 50 keys. */
interface BenchAccount {
  anon: LedgerClient
  me: LedgerClient
  project: Project
  keys: string[]
}

/**
 * (h) for each kind of input (`kinds`, from BENCH_INGEST_KINDS), with one key as a CI job would
 * have (its limits raised: 1000 requests a minute by default).
 */
async function benchIngestKinds(me: LedgerClient, project: Project, url: string, kinds: readonly IngestKind[]): Promise<IngestResult[]> {
  const ingestKey: CreatedApiKey = await me.createApiKey(project.project_id, { name: 'ingest' })
  await me.setKeyLimits(ingestKey.key_id, { algorithm: 'token_bucket', tokens_per_second: 100_000, burst_capacity: 100_000 })
  const hs: IngestResult[] = []
  for (const kind of kinds) {
    const h = await benchIngest({ url, key: ingestKey.full_key, lines: Number(process.env['BENCH_INGEST_LINES'] ?? 1_000_000), kind })
    const logs = h.events === h.lines ? '' : ` (${fmt(h.events)} logs, ${fmt(h.logRate)}/s)`
    console.log(
      `(h)  ledger ingest, ${INGEST_LABELS[kind]}: ${fmt(h.lines)} lines ${fmt(h.rate).padStart(10)} lines/s over ${h.seconds.toFixed(1)} s${logs}, start-up included (${fmt(h.summary.lines_per_second)}/s after start-up)`,
    )
    console.log(`     peak RSS of the CLI ${(h.summary.max_rss_bytes / 1048576).toFixed(0)} MB, ${fmt(h.summary.batches)} batches, ${h.summary.retries} retries`)
    hs.push(h)
  }
  return hs
}

function printIngestRatios(hs: readonly IngestResult[], bMean: number): void {
  for (const h of hs) {
    console.log(
      `(h)/(b)  = ${(h.rate / bMean).toFixed(2)}   ${INGEST_LABELS[h.kind]}, lines against (b)'s logs; target ≥ 0.80; CLI peak RSS ${(h.summary.max_rss_bytes / 1048576).toFixed(0)} MB, target < 150 MB`,
    )
  }
}

/** (b)'s load: 10 clients, each with a key of its own, ROWS logs in 1000-log requests. */
function batchLoadOf(url: string, keys: readonly string[]): BatchLoad {
  return { url, mode: 'batch', concurrency: 10, requests: ROWS / BATCH, batchSize: BATCH, keys: keys.slice(0, 10) }
}

/**
 * `npm run bench -- ingest`: only (b), (h) for each kind of input, and (b) again, on a daemon
 * with its worker paused, as in the whole run.
 */
async function ingestOnly(): Promise<void> {
  const kinds = ingestKinds()
  console.log(`Ledger benchmark, ingestion only — node ${process.version}\n`)
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-'))
  const { child, url } = await startDaemon(home, { LEDGER_WORKER_PAUSED: '1' })
  try {
    const { anon, me, project, keys } = await benchAccount(url)
    const batchLoad = batchLoadOf(url, keys)
    const b = await runLoad(batchLoad)
    const bRate = b.logs / b.seconds
    console.log(`(b)  HTTP batch ingestion, 10 clients       ${fmt(bRate).padStart(10)} logs/s`)
    const hs = await benchIngestKinds(me, project, url, kinds)
    const b2 = await runLoad(batchLoad)
    const b2Rate = b2.logs / b2.seconds
    const bMean = (bRate + b2Rate) / 2
    console.log(`(b)  again, right after (h)                 ${fmt(b2Rate).padStart(10)} logs/s   (mean ${fmt(bMean)})`)
    console.log('')
    printIngestRatios(hs, bMean)
    await anon.close()
  } finally {
    await stopProcess(child)
    rmSync(home, { recursive: true, force: true })
  }
}

/** The bench's account, project (quota raised) and 50 keys. */
async function benchAccount(url: string): Promise<BenchAccount> {
  const anon = new LedgerClient({ baseUrl: url })
  const reg = await anon.register({ email: 'bench@example.com', password: 'BenchPass123', name: 'Bench' })
  const me = anon.withCredential(reg.access_token)
  const project = await me.createProject({ name: 'Bench', slug: 'bench' })
  await me.updateProject('bench', { daily_quota: 1_000_000_000 })
  const keys: string[] = []
  for (let i = 0; i < 50; i++) keys.push((await me.createApiKey(project.project_id, { name: `k${i}` })).full_key)
  return { anon, me, project, keys }
}

async function search(): Promise<void> {
  const rows = Number(process.env['BENCH_SEARCH_ROWS'] ?? 1_000_000)
  const s = await benchSearch((home) => startDaemon(home, {}), rows)
  console.log('')
  console.log(`(g)  search over ${fmt(s.rows)} stored logs (filled in ${s.fillSeconds.toFixed(0)} s), 100 a page, over HTTP`)
  for (const r of s.results) {
    console.log(
      `     ${r.kind.padEnd(30)} p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   (${r.requests} requests)`,
    )
  }
  console.log('     target: well under a second')
}

/**
 * (a2) at the size a database has reached: the daemon's storing commit and the full-text thread's
 * step, one after the other on one thread, for 100,000 more logs into the stopped daemon's own
 * files (they stay there, as any other logs).
 */
function rawAtSize(dataDir: string): { rate: number; rows: number } {
  const files = { database: join(dataDir, 'ledger.db'), fulltext: join(dataDir, 'fulltext.db') }
  const db = openDatabase(files.database)
  attachFulltext(db, files.fulltext)
  db.pragma('wal_autocheckpoint = 0')
  const index = new BetterSqlite3(files.fulltext)
  const rows = 100_000
  const chunks = toChunks(toRows(makeLogs(rows, 50_000_000), 1, Date.now()))
  const store = db.transaction((c: LogColumns) => appendLogs(db, 1, Date.now(), c))
  let done = 0
  const s = time(() => {
    for (const c of chunks) {
      store(c)
      indexNextLogs(db, index, BATCH)
      // Checkpoints as the daemon's threads run them (every ~200 ms of writes).
      if (++done % 20 === 0) {
        db.pragma('wal_checkpoint(PASSIVE)')
        index.pragma('wal_checkpoint(PASSIVE)')
      }
    }
  })
  db.pragma('wal_checkpoint(TRUNCATE)')
  index.pragma('wal_checkpoint(TRUNCATE)')
  index.close()
  db.close()
  return { rate: rows / s, rows }
}

async function sustained(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-'))
  try {
    console.log('')
    console.log('(s)  sustained ingestion: 10 clients, 1000-log batches, daemon on its defaults, worker running')
    await benchSustained({
      home,
      startDaemon,
      admin: ADMIN,
      seconds: Number(process.env['BENCH_SUSTAINED_SECONDS'] ?? 300),
      smallRows: Number(process.env['BENCH_SUSTAINED_SMALL'] ?? 1_000_000),
      largeRows: Number(process.env['BENCH_SUSTAINED_LARGE'] ?? 10_000_000),
      rawAtSize,
    })
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

async function tails(): Promise<void> {
  const rows = Number(process.env['BENCH_TAIL_ROWS'] ?? 200_000)
  const t = await benchTails((home, env) => startDaemon(home, env), runLoad, rows)
  console.log('')
  console.log(`(i)  batch ingestion, 10 clients, worker running, ${fmt(rows)} logs a round, the queue drained between rounds`)
  for (const r of t.rounds) {
    const got = r.received
      ? `; the tails took ${(r.tailShare * 100).toFixed(0)}% of the main thread during the load and got ${Object.entries(r.received).map(([k, v]) => `${k} ${fmt(v.events)}`).join(', ')}`
      : ''
    const cpu = r.cpu ? `; daemon CPU per 1000 logs: main ${r.cpu.main.toFixed(1)} ms, others ${(r.cpu.busiest + r.cpu.rest).toFixed(1)} ms` : ''
    console.log(
      `     ${r.withTails ? `${t.tails} tails` : 'no tails '}  ${fmt(r.rate).padStart(10)} logs/s   /health p99 ${r.healthP99.toFixed(1)} ms, max ${r.healthMax.toFixed(1)} ms${cpu}${got}`,
    )
  }
  console.log(`     tails: ${t.kinds}`)
  console.log(`(i)/(none) = ${(t.withTails / t.none).toFixed(2)}   target ≥ 0.80   (means: ${fmt(t.withTails)} with tails, ${fmt(t.none)} without)`)
}

/** The whole run: (a) to (f), then (i) and (g). */
async function all(): Promise<void> {
  const kinds = ingestKinds()
  console.log(`Ledger benchmark — ${ROWS.toLocaleString('en-US')} logs, node ${process.version}\n`)
  const rows = toRows(makeLogs(ROWS), 1, Date.now())
  const a1First = rawQueueInsert(rows)
  console.log(`(a1) raw insert of accepted logs            ${fmt(a1First).padStart(10)} logs/s`)
  const a1c = rawQueueInsert(rows, { checkpoints: true })
  console.log(`(a1') the same, with SQLite's checkpoints    ${fmt(a1c).padStart(10)} logs/s`)
  const a2 = rawIndexedInsert(rows)
  console.log(`(a2) raw insert, then FTS5, one thread      ${fmt(a2).padStart(10)} logs/s`)

  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-'))
  const { child, pid, url } = await startDaemon(home, { LEDGER_WORKER_PAUSED: '1' })
  try {
    const { anon, me, project, keys } = await benchAccount(url)

    // (b), (b) again and (b'): 10 clients, each with a key of its own, ROWS logs in 1000-log requests.
    const batchLoad = batchLoadOf(url, keys)
    const b = await runLoad({ ...batchLoad, daemonPid: pid })
    const cpu = cpuPerRequest(pid, b.daemonCpuBefore, b.daemonCpuAfter, b.logs / BATCH)
    const bRate = b.logs / b.seconds
    console.log(`(b)  HTTP batch ingestion, 10 clients       ${fmt(bRate).padStart(10)} logs/s`)
    console.log(`     the load generator's own CPU: ${b.generatorCpuMsPerRequest.toFixed(1)} ms per 1000-log request`)
    if (cpu) {
      console.log(
        `     the daemon's CPU per request: main thread ${cpu.main.toFixed(1)} ms (HTTP, the SQLite insert), busiest other` +
          ` thread ${cpu.busiest.toFixed(1)} ms (decoding), all others ${cpu.rest.toFixed(1)} ms (V8's GC helpers, checkpoints)`,
      )
    }
    // (a1) again, right after (b): this machine's speed drifts by minutes (up to 2x), so the
    // ratio uses the mean of the runs before and after.
    const a1Again = rawQueueInsert(rows)
    const a1 = (a1First + a1Again) / 2
    console.log(`(a1) again, right after (b)                 ${fmt(a1Again).padStart(10)} logs/s   (mean ${fmt(a1)})`)
    // (b) is bound by the CPU a request costs in all, on this machine's cores; (a1) by the insert
    // alone on one core. Their ratio cannot exceed what those two costs allow.
    if (cpu) {
      const cores = availableParallelism()
      const total = cpu.main + cpu.busiest + cpu.rest + b.generatorCpuMsPerRequest
      const ceiling = ((cores * 1000) / total) * BATCH
      console.log(
        `     ${total.toFixed(1)} ms of CPU per 1000-log request on ${cores} cores: (b) can reach at most ${fmt(ceiling)} logs/s,` +
          ` (b)/(a1) at most ${(ceiling / a1).toFixed(2)}; (a1) spends ${(1e6 / a1).toFixed(1)} ms per 1000 rows`,
      )
    }

    const hs = await benchIngestKinds(me, project, url, kinds)
    // (b) again, right after (h): (h)/(b) compares (h) with the mean of the (b) runs on either side.
    const b2 = await runLoad(batchLoad)
    const b2Rate = b2.logs / b2.seconds
    const bMean = (bRate + b2Rate) / 2
    console.log(`(b)  again, right after (h)                 ${fmt(b2Rate).padStart(10)} logs/s   (mean ${fmt(bMean)})`)

    const o = await runLoad({ ...batchLoad, mode: 'otlp' })
    const oRate = o.logs / o.seconds
    console.log(`(b') OTLP/HTTP protobuf ingestion, 10 clients ${fmt(oRate).padStart(9)} logs/s`)

    const admin = { 'x-admin-token': ADMIN }
    const t0 = performance.now()
    await anon.raw('POST', '/api/v1/admin/queue/resume', { headers: admin })
    await queueDrained(anon, 10)
    const cRate = (b.logs + b.warmupLogs + b2.logs + b2.warmupLogs + o.logs + o.warmupLogs + hs.reduce((n, h) => n + h.events, 0)) / ((performance.now() - t0) / 1000)
    console.log(`(c)  worker draining the queue              ${fmt(cRate).padStart(10)} logs/s`)

    const d = await runLoad({ url, mode: 'single', concurrency: 50, requests: 10_000, keys })
    console.log(
      `(d)  ingest/single, 50 connections flat out p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms at ${fmt(d.requests / d.seconds)} req/s`,
    )
    const rate = Number(process.env['BENCH_SINGLE_RATE'] ?? 1000)
    const dr = await runLoad({ url, mode: 'single-rate', concurrency: 50, rate, seconds: 8, keys })
    console.log(
      `(d') ingest/single, 50 connections at ${fmt(rate)}/s p50 ${dr.p50.toFixed(2)} ms, p99 ${dr.p99.toFixed(2)} ms, max ${dr.max.toFixed(1)} ms`,
    )
    console.log(
      `     of which the load generator's own lag (sent after the due time): p99 ${dr.lagP99.toFixed(2)} ms, max ${dr.lagMax.toFixed(1)} ms`,
    )
    console.log('')
    console.log(`(b)/(a1) = ${(bRate / a1).toFixed(2)}   target ≥ 0.75   (against (a1'), with checkpoints: ${(bRate / a1c).toFixed(2)})`)
    console.log(`(b')/(b) = ${(oRate / bMean).toFixed(2)}   (OTLP protobuf against the JSON batch endpoint)`)
    console.log(`(c)/(a2) = ${(cRate / a2).toFixed(2)}   target ≥ 0.80`)
    printIngestRatios(hs, bMean)
    console.log(
      `single-ingest p99 = ${dr.p99.toFixed(2)} ms at ${fmt(rate)} req/s (${d.p99.toFixed(2)} ms flat out)   target ≤ 10 ms`,
    )
    await anon.close()
  } finally {
    await stopProcess(child)
    rmSync(home, { recursive: true, force: true })
  }

  // (e) the rate limiter against rate-limiter-flexible's RateLimiterMemory (issue #4).
  const l = await benchLimiter()
  console.log('')
  console.log(`(e)  rate limiter, both default windows, allowing   ${fmt(l.ledgerAllow).padStart(12)} checks/s`)
  console.log(`     rate-limiter-flexible RateLimiterMemory (x2)    ${fmt(l.rlfAllow).padStart(12)} checks/s   ratio ${(l.ledgerAllow / l.rlfAllow).toFixed(1)}x (target ≥ 2x)`)
  console.log(`     rate limiter, rejecting                         ${fmt(l.ledgerReject).padStart(12)} checks/s`)
  console.log(`     rate-limiter-flexible, rejecting                ${fmt(l.rlfReject).padStart(12)} checks/s   ratio ${(l.ledgerReject / l.rlfReject).toFixed(1)}x (target ≥ 10x)`)

  // (f) CLI start-up (issue #6).
  const cli = await benchCliStart()
  for (const [variant, figures] of Object.entries(cli)) {
    console.log('')
    if (variant === 'withoutExtraCerts') {
      console.log('     again without NODE_EXTRA_CA_CERTS (set here: Node parses that file at every start)')
    }
    for (const [name, t] of Object.entries(figures)) {
      console.log(`(f)  ${name.padEnd(18)} median ${t.median.toFixed(0).padStart(4)} ms   p90 ${t.p90.toFixed(0).padStart(4)} ms`)
    }
    console.log(`     whoami target < 300 ms; over node -e 0: ${(figures['ledger whoami'].median - figures['node -e 0'].median).toFixed(0)} ms`)
  }

  await tails()
  await search()
}

async function redisLimiter(): Promise<void> {
  printRedisLimiter(await benchRedisLimiter())
}

/** The parts `npm run bench -- <part>` runs alone; anything else runs the whole bench. */
const PARTS = new Map<string, () => Promise<void>>([
  ['search', search],
  ['sustained', sustained],
  ['ingest', ingestOnly],
  ['tails', tails],
  ['limiter-redis', redisLimiter],
  ['cluster', () => benchCluster({ startDaemon, benchAccount, rows: ROWS })],
  [
    'postgres',
    () =>
      benchPostgres({
        startDaemon,
        benchAccount,
        rows: ROWS,
        searchRows: Number(process.env['BENCH_SEARCH_ROWS'] ?? 1_000_000),
      }),
  ],
])

await (PARTS.get(process.argv[2] ?? '') ?? all)()
