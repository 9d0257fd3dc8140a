// (j) The shared rate limiter (buckets in Redis, one Lua script per check) against the in-memory
// one, both through the RateLimiter interface as the daemon calls it (one `await` per check),
// seed 000's two default windows, 10000 keys allowing, one exhausted key rejecting. Redis is the
// machine's redis-server, started here on a free port of 127.0.0.1 in a temp dir (persisting
// nothing) and stopped at the end. `npm run bench -- limiter-redis`; exported for index.ts;
// runnable alone (`node dist-bench/scripts/bench/redis-limiter.js`, after `npm run build:bench`).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openRedis } from '../../src/daemon/redis/connection.js'
import { RedisRateLimiter } from '../../src/daemon/redis/rate-limiter.js'
import { MemoryRateLimiter, type RateLimiter } from '../../src/daemon/services/rate-limiter.js'
import { freePort } from './daemon.js'
import { fmt } from './format.js'
import { processCpu } from './threads.js'

const KEYS = 10_000


/** A redis-server of the bench's own: a free port of 127.0.0.1, a temp dir, nothing persisted. */
export async function startRedis(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-redis-'))
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', '']
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8')
      if (out.includes('Ready to accept connections')) resolve()
    })
    child.once('error', reject)
    child.once('exit', () => reject(new Error(`redis-server exited:\n${out}`)))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}


/** Checks per second of `count` checks, `inFlight` at a time, each `await`ed as the daemon does. */
async function rate(limiter: RateLimiter, count: number, inFlight: number, keyOf: (i: number) => number): Promise<number> {
  const now = Date.now()
  let next = 0
  const t = performance.now()
  const worker = async () => {
    while (next < count) {
      const i = next++
      await limiter.check(keyOf(i), now)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return count / ((performance.now() - t) / 1000)
}

export interface RedisLimiterFigures {
  memoryAllow: number
  memoryReject: number
  redisAllow1: number
  redisAllow64: number
  /** Redis's own CPU per 1000 checks (ms), while 64 are in flight. */
  redisCpuPer1000: number
  redisReject64: number
}

export async function benchRedisLimiter(n = 100_000): Promise<RedisLimiterFigures> {
  const redis = await startRedis()
  const connection = openRedis(redis.url)
  await connection.connect()
  try {
    const memory = new MemoryRateLimiter()
    const shared = new RedisRateLimiter(connection, { prefix: 'bench:' })
    // One key exhausted (key 0) for the rejecting path; the allowing path uses keys 1-10000.
    for (const l of [memory, shared]) for (let i = 0; i < 1000; i++) await l.check(0, Date.now())
    const allow = (i: number) => (i % KEYS) + 1
    const reject = () => 0
    await rate(shared, 5000, 64, allow) // warm-up
    await rate(memory, 50_000, 1, allow)
    const memoryAllow = await rate(memory, n * 10, 1, allow)
    const memoryReject = await rate(memory, n * 10, 1, reject)
    const redisAllow1 = await rate(shared, n / 10, 1, allow)
    const cpu0 = processCpu(redis.pid)
    const redisAllow64 = await rate(shared, n, 64, allow)
    const redisCpuPer1000 = ((processCpu(redis.pid) - cpu0) / n) * 1000
    const redisReject64 = await rate(shared, n, 64, reject)
    return { memoryAllow, memoryReject, redisAllow1, redisAllow64, redisCpuPer1000, redisReject64 }
  } finally {
    connection.disconnect()
    await redis.stop()
  }
}

/** Prints (j). */
export function printRedisLimiter(r: RedisLimiterFigures): void {
  console.log('(j)  rate limiter checks through the RateLimiter interface (one await each), both default windows')
  console.log(`     memory, allowing                               ${fmt(r.memoryAllow).padStart(12)} checks/s`)
  console.log(`     memory, rejecting                              ${fmt(r.memoryReject).padStart(12)} checks/s`)
  console.log(`     Redis, allowing, 1 in flight                   ${fmt(r.redisAllow1).padStart(12)} checks/s   (one round trip each)`)
  console.log(`     Redis, allowing, 64 in flight                  ${fmt(r.redisAllow64).padStart(12)} checks/s   Redis CPU ${r.redisCpuPer1000.toFixed(1)} ms per 1000`)
  console.log(`     Redis, rejecting, 64 in flight                 ${fmt(r.redisReject64).padStart(12)} checks/s`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await benchRedisLimiter())
}
