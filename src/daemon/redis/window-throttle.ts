import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { SlidingWindows, Slot, WindowLimit } from '../services/window-throttle.js'
import { ThrottleUnavailableError } from '../services/window-throttle.js'
import { describeRedisError } from './connection.js'
import { luaNow, runScript } from './scripts.js'

/**
 * One Lua script for the three operations, atomic in Redis. KEYS[1]: a sorted set of the key's
 * events (score: the time in ms, member: time + a random id, so that a refund removes exactly
 * its own event). ARGV: op (`wait`, `take`), clock (`server`: Redis's TIME; else ARGV[3]), now,
 * member id, longest window, then per limit: max, window (ms).
 * Returns: { taken (1/0), the wait in ms as a string, the time used as a string }.
 *
 * `WindowThrottle.waitMs` step for step: events at or before now − longest window are dropped;
 * for each limit the events inside (now − window, now] are counted, and a full limit waits
 * for its max-th newest event to leave. As the window is a suffix of the sorted set, that event
 * is found by rank, so a check costs O(log n) whatever the limits.
 */
const WINDOW_LUA = `
${luaNow(2, 'ms')}
local longest = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.17g', now - longest))
local total = redis.call('ZCARD', KEYS[1])
local wait = 0
local i = 6
while ARGV[i] do
  local max = tonumber(ARGV[i])
  local w = tonumber(ARGV[i + 1])
  local inWindow = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.17g', now - w), '+inf')
  if inWindow >= max then
    local oldest = redis.call('ZRANGE', KEYS[1], total - max, total - max, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + w - now)
  end
  i = i + 2
end
local taken = 0
if ARGV[1] == 'take' and wait <= 0 then
  redis.call('ZADD', KEYS[1], string.format('%.17g', now), string.format('%.17g', now) .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(longest))
  taken = 1
end
return { taken, string.format('%.17g', wait), string.format('%.17g', now) }
`

/** A slot taken in Redis: its member, to remove exactly it on refund. */
interface RedisSlot extends Slot {
  readonly member: string
}

export interface RedisWindowThrottleOptions {
  /** Names the throttle in its Redis keys (`<prefix>wt:<name>:{<key>}`): `registrations`, `login-address`… */
  name: string
  prefix?: string
  /** As RedisRateLimiter's: `server` (Redis TIME, the default) or `caller` (the `now` passed, for tests). */
  clock?: 'server' | 'caller'
}

/**
 * `WindowThrottle` with its events in Redis, so that every daemon of a team counts the same
 * registrations, failed logins and sent codes per client address or email. Each operation is
 * one atomic script (check and take cannot be split by another daemon). Events expire with the
 * longest window. Redis down: `ThrottleUnavailableError` (a 503 with Retry-After where nothing
 * catches it).
 */
export class RedisWindowThrottle implements SlidingWindows {
  private readonly prefix: string
  private readonly serverClock: boolean
  private readonly limitArgs: string[]
  private readonly longest: number

  constructor(
    private readonly redis: Redis,
    limits: readonly WindowLimit[],
    private readonly options: RedisWindowThrottleOptions,
  ) {
    this.prefix = `${options.prefix ?? 'ledger:'}wt:${options.name}:`
    this.serverClock = (options.clock ?? 'server') === 'server'
    this.limitArgs = limits.flatMap((l) => [String(l.max), String(l.windowMs)])
    this.longest = Math.max(...limits.map((l) => l.windowMs))
  }

  async waitMs(key: string, now: number): Promise<number> {
    const [, wait] = await this.run('wait', key, now, '')
    return Number(wait)
  }

  async take(key: string, now: number): Promise<RedisSlot | null> {
    const id = randomBytes(6).toString('base64url')
    const [taken, , at] = await this.run('take', key, now, id)
    return taken === 1 ? { key, at: Number(at), member: `${at}:${id}` } : null
  }

  async refund(slot: Slot): Promise<void> {
    const member = (slot as Partial<RedisSlot>).member
    if (member === undefined) return
    try {
      await this.redis.zrem(this.stateKey(slot.key), member)
    } catch (err) {
      throw new ThrottleUnavailableError(describeRedisError(err), { cause: err })
    }
  }

  private stateKey(key: string): string {
    return `${this.prefix}{${key}}`
  }

  private async run(op: 'wait' | 'take', key: string, now: number, id: string): Promise<[number, string, string]> {
    const args = [op, this.serverClock ? 'server' : 'caller', String(now), id, String(this.longest), ...this.limitArgs]
    try {
      return (await runScript(this.redis, WINDOW_LUA, this.stateKey(key), args)) as [number, string, string]
    } catch (err) {
      throw new ThrottleUnavailableError(describeRedisError(err), { cause: err })
    }
  }
}
