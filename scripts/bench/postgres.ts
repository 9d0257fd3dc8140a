// (p) of `npm run bench -- postgres`: Ledger on PostgreSQL next to SQLite, in the same run.
//   (p1) HTTP batch ingestion, 10 clients, 1000-log batches, on each engine with indexing paused
//        (accepting only, as (b)) and with indexing running (searchable when done: the queue
//        drained); with the CPU per 1000 logs of the daemon and of the PostgreSQL server's
//        processes (from /proc)
//   (p2) search over 1,000,000 stored logs (BENCH_SEARCH_ROWS): p50/p99 per kind of query, the
//        same queries as (g), on both engines
// PostgreSQL is the machine's own install (Debian's `postgresql`, 15 or newer), started in a temp
// dir on a free port with its defaults but `fsync` and `synchronous_commit` on (a 202 means
// committed), as the `postgres` user when run as root. Nothing here passes or fails.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { LedgerClient } from '../../src/client/index.js'
import { validateLog } from '../../src/contract/ingest.js'
import { emptyColumns, pushLog } from '../../src/daemon/ingest/batch-decode.js'
import { PostgresStorage } from '../../src/daemon/storage/postgres/index.js'
import { freePort, type StartDaemon, stopProcess } from './daemon.js'
import { makeLogs } from './data.js'
import { fmt } from './format.js'
import { runLoad } from './load-protocol.js'
import { benchSearch } from './search.js'
import { processTreeCpu, threadCpu, type ThreadCpu } from './threads.js'

interface Install {
  bin: string
  major: number
  uid?: number
  gid?: number
}

/** The newest PostgreSQL ≥ 15 under /usr/lib/postgresql, and who runs it. */
function install(): Install {
  const base = '/usr/lib/postgresql'
  const majors = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).map(Number).sort((a, b) => b - a) : []
  const major = majors.find((m) => m >= 15)
  if (!major) throw new Error('PostgreSQL 15 or newer is not installed (apt-get install postgresql)')
  const bin = join(base, String(major), 'bin')
  if (process.getuid?.() !== 0) return { bin, major }
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout)
  return { bin, major, uid: id('-u'), gid: id('-g') }
}

function command(inst: Install, program: string, args: string[]): [string, string[]] {
  const path = join(inst.bin, program)
  if (inst.uid === undefined) return [path, args]
  return ['setpriv', [`--reuid=${inst.uid}`, `--regid=${inst.gid}`, '--init-groups', '--', path, ...args]]
}


/** A PostgreSQL server of the bench's own. */
export interface BenchPostgres {
  pid: number
  major: number
  createDatabase(): Promise<string>
  /**
   * Drops a database made by createDatabase and checkpoints: the next run does not share the
   * server with the autovacuum of the last one's tables or with its checkpoint.
   */
  dropDatabase(url: string): Promise<void>
  stop(): Promise<void>
}

export async function startPostgres(): Promise<BenchPostgres> {
  const inst = install()
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-pg-'))
  chmodSync(dir, 0o755)
  const own = (p: string): void => {
    if (inst.uid !== undefined && inst.gid !== undefined) chownSync(p, inst.uid, inst.gid)
  }
  own(dir)
  const password = randomBytes(12).toString('base64url')
  writeFileSync(join(dir, 'pw'), password, { mode: 0o600 })
  own(join(dir, 'pw'))
  const env = { PATH: process.env['PATH'], LC_ALL: 'C.UTF-8' }
  const [cmd, argv] = command(inst, 'initdb', ['-D', join(dir, 'data'), '-U', 'bench', '--pwfile', join(dir, 'pw'), '--auth', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C.UTF-8'])
  const init = spawnSync(cmd, argv, { encoding: 'utf8', env })
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`)
  const port = await freePort()
  const [pcmd, pargv] = command(inst, 'postgres', [
    '-D', join(dir, 'data'), '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`,
    '-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'shared_buffers=256MB', '-c', 'max_wal_size=4GB',
  ])
  const child = spawn(pcmd, pargv, { env, stdio: ['ignore', 'ignore', 'pipe'] })
  // A bench that ends without stopping it (an error, Ctrl-C) takes the server down with it.
  const onExit = () => child.kill('SIGQUIT')
  process.once('exit', onExit)
  let log = ''
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      log += d
      if (log.includes('ready to accept connections')) resolve()
    })
    child.once('exit', () => reject(new Error(`postgres exited: ${log}`)))
  })
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'bench', password, database: 'postgres' })
  await admin.connect()
  let n = 0
  return {
    pid: child.pid ?? 0,
    major: inst.major,
    async createDatabase() {
      const name = `ledger_bench_${++n}`
      await admin.query(`CREATE DATABASE ${name}`)
      return `postgres://bench:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`
    },
    async dropDatabase(url) {
      await admin.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`)
      await admin.query('CHECKPOINT')
    },
    async stop() {
      process.off('exit', onExit)
      await admin.end().catch(() => undefined)
      child.kill('SIGINT')
      await new Promise((r) => child.once('exit', r))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const sum = (o: ThreadCpu | null): number => (o ? Object.values(o).reduce((a, b) => a + b, 0) : 0)

/** Fills a PostgreSQL database through the engine's own group commit (5000 logs a commit). */
async function fillPostgres(url: string, projectId: number, rows: number): Promise<void> {
  const quiet = { warn: () => undefined, error: () => undefined }
  const storage = await PostgresStorage.open({ url }, quiet, Date.now)
  try {
    for (let off = 0; off < rows; off += 5000) {
      const logs = emptyColumns()
      for (const l of makeLogs(Math.min(5000, rows - off), off)) {
        const v = validateLog(l)
        if (!v.ok) throw new Error(`a bench log is invalid: ${v.detail}`)
        pushLog(logs, v.value)
      }
      const now = Date.now()
      await storage.logWrites.commit([{ projectId, receivedAt: now, day: Math.floor(now / 86_400_000), logs, count: logs.length, lastLogId: 0 }])
      while ((await storage.pgIndexer.batch()) === 'more');
    }
    await storage.pool.query('VACUUM ANALYZE logs')
    await storage.pool.query('VACUUM ANALYZE log_search')
  } finally {
    await storage.close()
  }
}

/** What (p1) needs of the bench's account: a client and 10 or more keys of one project. */
export interface PostgresBenchAccount {
  anon: LedgerClient
  keys: string[]
}

/**
 * (p1) and (p2). `startDaemon(home, env)` starts `ledger daemon run`; `benchAccount(url)` makes
 * the account, project and keys.
 */
export async function benchPostgres({
  startDaemon,
  benchAccount,
  rows,
  searchRows,
}: {
  startDaemon: StartDaemon
  benchAccount: (url: string) => Promise<PostgresBenchAccount>
  rows: number
  searchRows: number
}): Promise<void> {
  const server = await startPostgres()
  console.log(`PostgreSQL ${server.major} (fsync on, synchronous_commit on, shared_buffers 256MB), node ${process.version}\n`)
  try {
    console.log(`(p1) HTTP batch ingestion, 10 clients, ${fmt(rows)} logs in 1000-log batches`)
    // No admission bound while indexing runs: the figure is the indexer's own pace, not Retry-After waits.
    const all: Array<{ name: string; label: string; env: NodeJS.ProcessEnv; drain?: boolean; pg?: boolean }> = [
      { name: 'sqlite', label: 'SQLite, indexing paused (as (b))', env: { LEDGER_WORKER_PAUSED: '1' } },
      { name: 'sqlite-indexing', label: 'SQLite, indexing running', env: { LEDGER_MAX_INDEX_LAG: '3600' }, drain: true },
      { name: 'postgres', label: 'PostgreSQL, indexing paused', env: { LEDGER_WORKER_PAUSED: '1' }, pg: true },
      { name: 'postgres-indexing', label: 'PostgreSQL, indexing running', env: { LEDGER_MAX_INDEX_LAG: '3600' }, drain: true, pg: true },
    ]
    // BENCH_POSTGRES_RUNS: which of them (names, comma-separated), e.g. `postgres` alone.
    const chosen = (process.env['BENCH_POSTGRES_RUNS'] ?? all.map((r) => r.name).join(',')).split(',')
    const runs = all.filter((r) => chosen.includes(r.name))
    const rates: Record<string, number> = {}
    for (const r of runs) {
      const home = mkdtempSync(join(tmpdir(), 'ledger-bench-pgi-'))
      const env = { ...r.env }
      if (r.pg) env['LEDGER_DATABASE_URL'] = await server.createDatabase()
      const { child, pid, url } = await startDaemon(home, env)
      // The group commits: one transaction each, so as many as the logs' distinct xmin.
      const stats = r.pg ? new pg.Client({ connectionString: env['LEDGER_DATABASE_URL'] }) : undefined
      await stats?.connect()
      const commits = async () => Number((await stats!.query<{ n: string }>('SELECT count(DISTINCT xmin::text) AS n FROM logs')).rows[0]!.n)
      try {
        const { anon, keys } = await benchAccount(url)
        const d0 = threadCpu(pid)
        const s0 = processTreeCpu(server.pid)
        const res = await runLoad({ url, mode: 'batch', concurrency: 10, requests: rows / 1000, batchSize: 1000, keys: keys.slice(0, 10) })
        let seconds = res.seconds
        let drained = ''
        if (r.drain) {
          // Searchable: wait until indexing has caught up (queue depth 0), asked with a key the
          // load did not use (its per-key limits then play no part in the wait).
          const c = anon.withCredential(keys.at(-1)!)
          // The load's timed part, then until nothing waits (the generator's set-up, making the
          // bodies before the timed part, is not counted).
          const loaded = performance.now()
          const left = (await c.queueDepth()).queue_depth
          while ((await c.queueDepth()).queue_depth > 0) await new Promise((ok) => setTimeout(ok, 20))
          const after = (performance.now() - loaded) / 1000
          seconds = res.seconds + after
          drained = ` (all accepted in ${res.seconds.toFixed(1)} s, ${fmt(left)} then waiting, searchable ${after.toFixed(1)} s later)`
        }
        const daemonMs = sum(threadCpu(pid)) - sum(d0)
        const serverMs = processTreeCpu(server.pid) - s0
        const perCommit = stats ? res.logs / (await commits()) : 0
        const rate = res.logs / seconds
        rates[r.label] = rate
        const per = (ms: number): string => (ms / (res.logs / 1000)).toFixed(1)
        console.log(
          `     ${r.label.padEnd(36)} ${fmt(rate).padStart(9)} logs/s   CPU per 1000 logs: daemon ${per(daemonMs)} ms` +
            (r.pg ? `, PostgreSQL ${per(serverMs)} ms; ${fmt(perCommit)} logs a commit` : '') +
            drained,
        )
        await anon.close()
      } finally {
        await stats?.end()
        await stopProcess(child)
        rmSync(home, { recursive: true, force: true })
        if (env['LEDGER_DATABASE_URL']) await server.dropDatabase(env['LEDGER_DATABASE_URL'])
      }
    }
    // Like for like: accepting only (indexing paused on both), and until searchable.
    const ratios = [
      ['accepting only', 'PostgreSQL, indexing paused', 'SQLite, indexing paused (as (b))'],
      ['searchable', 'PostgreSQL, indexing running', 'SQLite, indexing running'],
    ]
      .filter(([, a, b]) => rates[a!] !== undefined && rates[b!] !== undefined)
      .map(([what, a, b]) => `${(rates[a!]! / rates[b!]!).toFixed(2)}× ${what}`)
    if (ratios.length > 0) console.log(`     PostgreSQL / SQLite: ${ratios.join(', ')}; goal ≥ 0.5×`)

    if (searchRows <= 0) return
    console.log('')
    console.log(`(p2) search over ${fmt(searchRows)} stored logs, 100 a page, over HTTP`)
    const sqlite = await benchSearch((home) => startDaemon(home, {}), searchRows)
    const url = await server.createDatabase()
    const onPg = await benchSearch((home) => startDaemon(home, { LEDGER_DATABASE_URL: url }), searchRows, 60, (_dataDir, projectId, n) =>
      fillPostgres(url, projectId, n),
    )
    console.log(`     filled in ${sqlite.fillSeconds.toFixed(0)} s (SQLite), ${onPg.fillSeconds.toFixed(0)} s (PostgreSQL, through the engine's commit)`)
    for (let i = 0; i < sqlite.results.length; i++) {
      const a = sqlite.results[i]
      const b = onPg.results[i]
      if (!a || !b) continue
      console.log(
        `     ${a.kind.padEnd(30)} SQLite p50 ${a.p50.toFixed(1).padStart(7)} p99 ${a.p99.toFixed(1).padStart(7)} ms   ` +
          `PostgreSQL p50 ${b.p50.toFixed(1).padStart(7)} p99 ${b.p99.toFixed(1).padStart(7)} ms`,
      )
    }
    console.log('     goal: p99 < 1 s for every kind of query')
  } finally {
    await server.stop()
  }
}
