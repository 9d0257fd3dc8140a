// (k) of `npm run bench -- cluster`: Ledger for a team — 1, 2 and 3 daemons on one PostgreSQL and
// one Redis (the machine's own servers, started here in temp dirs on free ports), HTTP batch
// ingestion spread over the daemons (12 clients in all, 1000-log batches), with every process's
// CPU per 1000 logs (each daemon, PostgreSQL's processes, Redis, the load generators), so the
// figures say what more daemons (more cores) buy and what they share; then (j), the Redis rate
// limiter's checks/s against the in-memory one. Nothing here passes or fails.
import { availableParallelism } from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LedgerClient } from '../../src/client/index.js'
import { type RunningDaemon, type StartDaemon, stopProcess } from './daemon.js'
import { fmt } from './format.js'
import { type BatchResult, runLoad } from './load-protocol.js'
import { startPostgres } from './postgres.js'
import { benchRedisLimiter, printRedisLimiter, startRedis } from './redis-limiter.js'
import { processCpu, processTreeCpu, threadCpu } from './threads.js'

/** Clients in all, spread evenly over the daemons (12 divides by 1, 2 and 3). */
const CLIENTS = 12

const sum = (o: Record<string, number> | null): number => (o ? Object.values(o).reduce((a, b) => a + b, 0) : 0)

export async function benchCluster({
  startDaemon,
  benchAccount,
  rows,
}: {
  startDaemon: StartDaemon
  benchAccount: (url: string) => Promise<{ anon: LedgerClient; keys: string[] }>
  rows: number
}): Promise<void> {
  const pg = await startPostgres()
  const redis = await startRedis()
  console.log(
    `(k)  ${fmt(rows)} logs in 1000-log batches, ${CLIENTS} clients spread over the daemons; PostgreSQL ${pg.major} (fsync on), ` +
      `one redis-server; ${availableParallelism()} cores, node ${process.version}`,
  )
  try {
    for (const n of [1, 2, 3]) {
      const url = await pg.createDatabase()
      const daemons: Array<RunningDaemon & { home: string }> = []
      try {
        // One after the other: the first applies the migrations, the others find them applied.
        for (let i = 0; i < n; i++) {
          const home = mkdtempSync(join(tmpdir(), 'ledger-bench-cluster-'))
          daemons.push({ ...(await startDaemon(home, { LEDGER_DATABASE_URL: url, LEDGER_REDIS_URL: redis.url })), home })
        }
        const { anon, keys } = await benchAccount(daemons[0]!.url)
        const perDaemon = CLIENTS / n
        const d0 = daemons.map((d) => sum(threadCpu(d.pid)))
        const pg0 = processTreeCpu(pg.pid)
        const r0 = processCpu(redis.pid)
        const t0 = performance.now()
        const results: BatchResult[] = await Promise.all(
          daemons.map((d, i) =>
            runLoad({
              url: d.url,
              mode: 'batch',
              concurrency: perDaemon,
              requests: Math.round(rows / 1000 / n),
              batchSize: 1000,
              keys: keys.slice(i * perDaemon, (i + 1) * perDaemon),
            }),
          ),
        )
        const seconds = (performance.now() - t0) / 1000
        const logs = results.reduce((a, r) => a + r.logs + r.warmupLogs, 0)
        const per = (ms: number): string => (ms / (logs / 1000)).toFixed(1)
        const daemonMs = daemons.map((d, i) => sum(threadCpu(d.pid)) - d0[i]!)
        const pgMs = processTreeCpu(pg.pid) - pg0
        const redisMs = processCpu(redis.pid) - r0
        const generatorMs = results.reduce((a, r) => a + r.generatorCpuMsPerRequest * ((r.logs + r.warmupLogs) / 1000), 0)
        const total = daemonMs.reduce((a, b) => a + b, 0) + pgMs + redisMs + generatorMs
        console.log(
          `     ${n} daemon${n > 1 ? 's' : ' '} ${fmt(logs / seconds).padStart(9)} logs/s   CPU per 1000 logs: ` +
            `daemons ${daemonMs.map(per).join(' + ')} ms, PostgreSQL ${per(pgMs)} ms, Redis ${per(redisMs)} ms, ` +
            `load generators ${per(generatorMs)} ms; all ${per(total)} ms`,
        )
        await anon.close()
      } finally {
        for (const d of daemons) {
          await stopProcess(d.child)
          rmSync(d.home, { recursive: true, force: true })
        }
      }
    }
  } finally {
    await redis.stop()
    await pg.stop()
  }
  console.log(
    '     the daemons\' CPU per log is spread over their processes (more cores help it); PostgreSQL\'s and ' +
      "Redis's is shared by all of them (one database, one Redis): that part does not shrink with more daemons",
  )
  console.log('')
  printRedisLimiter(await benchRedisLimiter(50_000))
}
