// (s) of `npm run bench`: accepting and processing together, as a user's load runs. 10 clients
// post 1000-log batches for minutes to a daemon on its defaults (worker running, default queue
// capacity), obeying 503/429's Retry-After; the driver samples, every second, the queue depth,
// the WAL files' sizes, the bytes the daemon wrote to disk (/proc/<pid>/io) and its threads' CPU.
// It reports accepted/s, searchable/s (accepted logs over the time until the queue drained), the
// WAL's largest size, disk bytes written per log against the bytes a log occupies once stored,
// and the WAL's size 10 s after the load stopped. `npm run bench -- sustained` runs only this.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { LedgerClient } from '../../src/client/index.js'
import { type RunningDaemon, type StartDaemon, stopProcess } from './daemon.js'
import { fmt } from './format.js'
import { runLoad, type SustainedLoad } from './load-protocol.js'
import { threadCpu, threadWrites } from './threads.js'

const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function size(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/** Bytes the process has caused to be written to storage (the page cache's writeback included). */
function writeBytes(pid: number): number {
  try {
    return Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN)
  } catch {
    return NaN
  }
}

function threadNames(pid: number): Record<string, string> {
  const names: Record<string, string> = {}
  for (const tid of Object.keys(threadCpu(pid) ?? {})) {
    try {
      names[tid] = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
    } catch {
      // gone
    }
  }
  return names
}

/** The sizes of the two WAL files (0 when absent). */
function files(dataDir: string): { wal: number; ftsWal: number } {
  const f = (name: string): string => join(dataDir, name)
  return { wal: size(f('ledger.db-wal')), ftsWal: size(f('fulltext.db-wal')) }
}

/**
 * Bytes the stored data occupies (pages in use, both files, as committed: WAL included), read on
 * a connection of its own.
 */
function storedBytes(dataDir: string): { total: number; database: number; fulltext: number } {
  const bytes = { database: 0, fulltext: 0 }
  for (const name of ['ledger.db', 'fulltext.db'] as const) {
    const db = new BetterSqlite3(join(dataDir, name), { fileMustExist: true })
    try {
      const pragma = (which: string): number => Number(db.pragma(which, { simple: true }))
      const pages = pragma('page_count') - pragma('freelist_count')
      bytes[name === 'ledger.db' ? 'database' : 'fulltext'] = pages * pragma('page_size')
    } finally {
      db.close()
    }
  }
  return { ...bytes, total: bytes.database + bytes.fulltext }
}

/** One sample of a window, every second. */
interface Sample {
  /** Seconds since the window started. */
  t: number
  depth: number
  wal: number
  ftsWal: number
}

/** What a window measured. */
export interface WindowResult {
  label: string
  logs: number
  nextOffset: number
  acceptSeconds: number
  /** Logs accepted per second. */
  accepted: number
  /** Logs made searchable per second (accepted, over the time until the queue drained). */
  searchable: number
  drainSeconds: number
  depthAtStop: number
  refused: number
  maxWal: number
  maxFtsWal: number
  idleWal: number
  idleFtsWal: number
  writtenPerLog: number
  storedPerLog: number
  /** Of which in each file. */
  storedPerLogIn: { database: number; fulltext: number }
  /** The threads that wrote to disk, most first: bytes per log. */
  writtenPerLogBy: Array<{ tid: string; name: string; bytes: number }>
  /** The daemon's threads, busiest first: CPU ms per 1000 logs. */
  cpuPer1000: Array<{ tid: string; name: string; ms: number }>
  generatorCpuPer1000: number
  samples: Sample[]
  /** (a2) at this size, logs per second, when measured. */
  a2?: number
}

interface WindowOptions {
  url: string
  pid: number
  dataDir: string
  keys: readonly string[]
  depthOf: () => Promise<number>
  seconds: number
  offset: number
  label: string
  quiet?: boolean
}

/**
 * Runs the load for `seconds` and then until the queue is empty, sampling every second.
 * Returns the figures of that window.
 */
async function window({ url, pid, dataDir, keys, depthOf, seconds, offset, label, quiet = false }: WindowOptions): Promise<WindowResult> {
  const loadOpts: SustainedLoad = { url, mode: 'sustained', concurrency: 10, seconds, batchSize: 1000, keys, offset, maxWaitMs: Number(process.env['BENCH_SUSTAINED_MAX_WAIT_MS'] ?? Infinity) }
  const before = { io: writeBytes(pid), cpu: threadCpu(pid), writes: threadWrites(pid), stored: storedBytes(dataDir), t: performance.now() }
  const samples: Sample[] = []
  let loading = true
  let maxWal = 0
  let maxFtsWal = 0
  const sampler = (async () => {
    while (loading) {
      const f = files(dataDir)
      maxWal = Math.max(maxWal, f.wal)
      maxFtsWal = Math.max(maxFtsWal, f.ftsWal)
      const depth = await depthOf()
      samples.push({ t: (performance.now() - before.t) / 1000, depth, wal: f.wal, ftsWal: f.ftsWal })
      await sleep(1000)
    }
  })()
  const load = await runLoad(loadOpts)
  const stoppedAt = performance.now()
  const depthAtStop = await depthOf()
  // Searchable: every accepted log processed (indexed, counted, visible to tails).
  for (;;) {
    const f = files(dataDir)
    maxWal = Math.max(maxWal, f.wal)
    maxFtsWal = Math.max(maxFtsWal, f.ftsWal)
    if ((await depthOf()) === 0) break
    await sleep(20)
  }
  const drainedAt = performance.now()
  const after = { io: writeBytes(pid), cpu: threadCpu(pid), writes: threadWrites(pid), stored: storedBytes(dataDir) }
  loading = false
  await sampler
  // The WAL once the load has stopped: 10 s after it.
  const idleWait = Math.max(0, 10_000 - (performance.now() - stoppedAt))
  await sleep(idleWait)
  const idle = files(dataDir)
  const names = threadNames(pid)
  const cpu = Object.entries(after.cpu ?? {})
    .map(([tid, ms]) => ({ tid, name: Number(tid) === pid ? 'main' : (names[tid] ?? tid), ms: ms - (before.cpu?.[tid] ?? 0) }))
    .filter((t) => t.ms > 0)
    .sort((a, b) => b.ms - a.ms)
  const logs = load.accepted
  const writers = Object.entries(after.writes ?? {})
    .map(([tid, b]) => ({ tid, name: Number(tid) === pid ? 'main' : (names[tid] ?? tid), bytes: (b - (before.writes?.[tid] ?? 0)) / logs }))
    .filter((t) => t.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
  const result: WindowResult = {
    label,
    logs,
    nextOffset: load.nextOffset,
    acceptSeconds: load.seconds,
    accepted: logs / load.seconds,
    searchable: logs / ((drainedAt - before.t) / 1000),
    drainSeconds: (drainedAt - stoppedAt) / 1000,
    depthAtStop,
    refused: load.refused,
    maxWal,
    maxFtsWal,
    idleWal: idle.wal,
    idleFtsWal: idle.ftsWal,
    writtenPerLog: (after.io - before.io) / logs,
    storedPerLog: (after.stored.total - before.stored.total) / logs,
    storedPerLogIn: {
      database: (after.stored.database - before.stored.database) / logs,
      fulltext: (after.stored.fulltext - before.stored.fulltext) / logs,
    },
    writtenPerLogBy: writers,
    cpuPer1000: cpu.map((t) => ({ ...t, ms: (t.ms / logs) * 1000 })),
    generatorCpuPer1000: (load.generatorCpuMs / logs) * 1000,
    samples,
  }
  if (!quiet) print(result)
  return result
}

function print(r: WindowResult): void {
  console.log(
    `(s)  ${r.label}: ${fmt(r.logs)} logs accepted in ${r.acceptSeconds.toFixed(0)} s   accepted ${fmt(r.accepted)} logs/s   ` +
      `searchable ${fmt(r.searchable)} logs/s`,
  )
  console.log(
    `     queue at the end of the load ${fmt(r.depthAtStop)}, drained ${r.drainSeconds.toFixed(1)} s later; ${fmt(r.refused)} refusals (503/429) waited out`,
  )
  const step = Math.max(1, Math.floor(r.samples.length / 10))
  const depths = r.samples.filter((_, i) => i % step === 0).map((s) => `${s.t.toFixed(0)}s:${fmt(s.depth)}`)
  console.log(`     queue depth over time: ${depths.join('  ')}`)
  console.log(
    `     WAL at most ${mb(r.maxWal)} (full-text file's ${mb(r.maxFtsWal)}); 10 s after the load ${mb(r.idleWal)} (${mb(r.idleFtsWal)})`,
  )
  console.log(
    `     disk written ${fmt(r.writtenPerLog)} B per log, stored ${fmt(r.storedPerLog)} B per log (ledger.db ${fmt(r.storedPerLogIn.database)}, fulltext.db ${fmt(r.storedPerLogIn.fulltext)}): ratio ${(r.writtenPerLog / r.storedPerLog).toFixed(2)}`,
  )
  console.log(
    `     written per log, by thread: ${r.writtenPerLogBy
      .slice(0, 6)
      .map((t) => `${t.name} ${fmt(t.bytes)} B`)
      .join(', ')}`,
  )
  console.log(
    `     CPU per 1000 logs: ${r.cpuPer1000
      .slice(0, 6)
      .map((t) => `${t.name} ${t.ms.toFixed(1)} ms`)
      .join(', ')}; load generator ${r.generatorCpuPer1000.toFixed(1)} ms`,
  )
}

/** What `benchSustained` is given. */
export interface SustainedOptions {
  /** The LEDGER_HOME of its daemon. */
  home: string
  startDaemon: StartDaemon
  /** The admin token the daemon is started with. */
  admin: string
  /** Seconds of load in each measured window. */
  seconds: number
  smallRows: number
  largeRows: number
  /** Measures (a2) at a size: the stopped daemon's files in `dataDir` (index.ts). */
  rawAtSize?: (dataDir: string) => { rate: number; rows: number }
}

/**
 * The whole of (s): a window on a database prefilled to `smallRows`, then one after filling it to
 * `largeRows`. `startDaemon(home, env, args)` starts `ledger daemon run` and returns its child and URL.
 * `rawAtSize(dataDir)`, when given, measures the raw indexed insert (a2) into the stopped
 * daemon's own files at their size, for the ratio the issue names.
 */
export async function benchSustained({
  home,
  startDaemon,
  seconds,
  smallRows,
  largeRows,
  rawAtSize,
  admin,
}: SustainedOptions): Promise<{ small: WindowResult; large?: WindowResult }> {
  const dataDir = join(home, 'data')
  let daemon: RunningDaemon = await startDaemon(home, { LEDGER_ADMIN_TOKEN: admin }, [])
  const setUp = async (): Promise<LedgerClient> => {
    const anon = new LedgerClient({ baseUrl: daemon.url })
    return anon
  }
  let anon = await setUp()
  const reg = await anon.register({ email: 'sustained@example.com', password: 'BenchPass123', name: 'Bench' })
  const me = anon.withCredential(reg.access_token)
  const project = await me.createProject({ name: 'Sustained', slug: 'sustained' })
  await me.updateProject('sustained', { daily_quota: 1_000_000_000 })
  const keys: string[] = []
  for (let i = 0; i < 10; i++) {
    const k = await me.createApiKey(project.project_id, { name: `s${i}` })
    await me.setKeyLimits(k.key_id, { algorithm: 'token_bucket', tokens_per_second: 100_000, burst_capacity: 100_000 })
    keys.push(k.full_key)
  }
  let keyed = anon.withCredential(keys[0])
  const depthOf = async () => (await keyed.queueDepth()).queue_depth
  let offset = 0
  let total = 0
  const fill = async (rows: number): Promise<void> => {
    while (total < rows) {
      const r = await window({
        url: daemon.url,
        pid: daemon.pid,
        dataDir,
        keys,
        depthOf,
        seconds: Math.max(5, Math.min(60, (rows - total) / 60_000)),
        offset,
        label: 'fill',
        quiet: true,
      })
      offset = r.nextOffset
      total += r.logs
    }
  }
  /** A window; with (a2) at its size, measured on the stopped daemon's files (restarted unless `last`). */
  const measure = async (label: string, last: boolean): Promise<WindowResult> => {
    const r = await window({ url: daemon.url, pid: daemon.pid, dataDir, keys, depthOf, seconds, offset, label })
    offset = r.nextOffset
    total += r.logs
    if (rawAtSize) {
      await stop()
      const a2 = rawAtSize(dataDir)
      console.log(
        `     (a2) at this size: the daemon's own storing and indexing steps on one thread, ${fmt(a2.rows)} logs into this ` +
          `database: ${fmt(a2.rate)} logs/s; searchable/(a2) = ${(r.searchable / a2.rate).toFixed(2)} (goal ≥ 0.6)`,
      )
      r.a2 = a2.rate
      total += a2.rows
      if (last) return r
      daemon = await startDaemon(home, { LEDGER_ADMIN_TOKEN: admin }, [])
      stopped = false
      anon = await setUp()
      keyed = anon.withCredential(keys[0])
    }
    return r
  }
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await anon.close()
    await stopProcess(daemon.child)
  }
  try {
    await fill(smallRows)
    const small = await measure(`on ${fmt(total)} stored logs`, largeRows <= 0)
    if (largeRows <= 0) return { small }
    await fill(largeRows)
    const large = await measure(`on ${fmt(total)} stored logs`, true)
    console.log(
      `     searchable/s at ${fmt(largeRows)}+ against ${fmt(smallRows)}+: ${(large.searchable / small.searchable).toFixed(2)} (goal ≥ 0.7)`,
    )
    return { small, large }
  } finally {
    await stop()
  }
}
