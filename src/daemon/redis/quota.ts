import type { SharedQuota } from '../services/shared-quota.js'
import type { RedisLink } from './fallback.js'
import { runScript } from './scripts.js'

/** Two days: a day's count outlives the day (a daemon with a slow clock), then goes by itself. */
const TTL_S = 2 * 86_400

// KEYS[1] the day's count; ARGV: n, limit, seed, ttl. Atomic: the check and the reservation are
// one step for every daemon.
const RESERVE = `
local used = redis.call('GET', KEYS[1])
if used then used = tonumber(used) else
  used = tonumber(ARGV[3])
  redis.call('SET', KEYS[1], used, 'EX', tonumber(ARGV[4]))
end
local fits = math.min(tonumber(ARGV[1]), math.max(0, tonumber(ARGV[2]) - used))
if fits > 0 then redis.call('INCRBY', KEYS[1], fits) end
return fits
`

// Only a count that exists is lowered (one that expired, or a Redis restarted, starts again from a seed).
const RELEASE = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECRBY', KEYS[1], tonumber(ARGV[1])) end
return 0
`

/**
 * Daily quotas counted in the Redis every daemon shares. Redis down: null (the daemon counts
 * alone, as the rate limits do), and the link warns once and finds it back by itself.
 */
export class RedisQuota implements SharedQuota {
  constructor(
    private readonly link: RedisLink,
    private readonly prefix = 'ledger:',
  ) {}

  async reserve(projectId: number, day: number, n: number, limit: number, seed: number): Promise<number | null> {
    if (!this.link.available) return null
    try {
      return Number(await runScript(this.link.redis, RESERVE, this.key(projectId, day), [n, limit, seed, TTL_S]))
    } catch (err) {
      this.link.failed(err)
      return null
    }
  }

  release(projectId: number, day: number, n: number): void {
    if (!this.link.available || n <= 0) return
    runScript(this.link.redis, RELEASE, this.key(projectId, day), [n]).catch((err: unknown) => this.link.failed(err))
  }

  private key(projectId: number, day: number): string {
    return `${this.prefix}quota:{${projectId}}:${day}`
  }
}
