import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import {
  type EmailFailures,
  type EmailTicket,
  LOGIN_FIRST_LOCK_MS,
  LOGIN_MAX_FAILURES,
  LOGIN_MAX_LOCK_MS,
  LOGIN_WINDOW_MS,
  MemoryEmailFailures,
} from '../services/login-throttle.js'
import { ThrottleUnavailableError } from '../services/window-throttle.js'
import { describeRedisError } from './connection.js'
import type { RedisLink } from './fallback.js'
import { luaNow, runScript } from './scripts.js'

/**
 * A pending attempt whose daemon never settles it (killed mid-check) stops counting after this
 * long; a real check takes ~0.7 s, a few seconds when the hasher is queued.
 */
const PENDING_TTL_MS = 60_000

/**
 * `MemoryEmailFailures` step for step, in one atomic script per operation. KEYS[1]: a hash per
 * email: `t` the failure times in the window (comma-separated, oldest first), `p` the pending
 * attempts (`id=deadline`, comma-separated), `lu` locked until, `lm` the current lock length.
 * ARGV: op (`begin`, `failed`, `succeeded`, `cancel`), clock (`server`: Redis TIME; else ARGV[3]),
 * now, attempt id, window, max failures, first lock, max lock, pending TTL.
 * Returns { ok (1/0), wait ms as a string }.
 */
const LOGIN_LUA = `
${luaNow(2, 'ms')}
local op, id = ARGV[1], ARGV[4]
local window, maxf, first, maxlock, ttl = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local h = redis.call('HMGET', KEYS[1], 't', 'p', 'lu', 'lm')
local times, pend, pendIds = {}, {}, {}
for v in string.gmatch(h[1] or '', '[^,]+') do
  local t = tonumber(v)
  if t > now - window then times[#times + 1] = t end
end
for k, d in string.gmatch(h[2] or '', '([^,=]+)=([^,]+)') do
  if tonumber(d) > now then pend[k] = tonumber(d); pendIds[#pendIds + 1] = k end
end
local lu, lm = tonumber(h[3]) or 0, tonumber(h[4]) or 0
local ok, wait = 1, 0
local function drop(k)
  if pend[k] == nil then return false end
  pend[k] = nil
  for i = #pendIds, 1, -1 do if pendIds[i] == k then table.remove(pendIds, i) end end
  return true
end
if op == 'begin' then
  if lu > now then
    ok, wait = 0, lu - now
  elseif #times + #pendIds >= maxf then
    ok, wait = 0, 1000
  else
    pend[id] = now + ttl
    pendIds[#pendIds + 1] = id
  end
elseif op == 'failed' then
  if drop(id) then
    times[#times + 1] = now
    if #times >= maxf then
      if lm == 0 then lm = first else lm = math.min(maxlock, lm * 2) end
      lu = now + lm
      times = {}
    end
  end
elseif op == 'succeeded' then
  if drop(id) then lm = 0 end
else
  drop(id)
end
local p = {}
for _, k in ipairs(pendIds) do p[#p + 1] = k .. '=' .. string.format('%.17g', pend[k]) end
local ts = {}
for _, t in ipairs(times) do ts[#ts + 1] = string.format('%.17g', t) end
redis.call('HSET', KEYS[1], 't', table.concat(ts, ','), 'p', table.concat(p, ','), 'lu', string.format('%.17g', lu), 'lm', string.format('%.17g', lm))
-- Kept while anything in it still counts (the doubling included, as in memory until pruned).
redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(window, lu - now, ttl)) + 60000)
return { ok, string.format('%.17g', wait) }
`

export interface RedisEmailFailuresOptions {
  prefix?: string
  /** As RedisRateLimiter's: `server` (Redis TIME, the default) or `caller` (the `now` passed, for tests). */
  clock?: 'server' | 'caller'
}

/**
 * The per-email login throttle (failures, attempts being checked, the lock and its doubling)
 * in Redis, so that failures on one daemon lock the email on all of them. Redis down:
 * `ThrottleUnavailableError`.
 */
export class RedisEmailFailures implements EmailFailures {
  private readonly prefix: string
  private readonly serverClock: boolean

  constructor(
    private readonly redis: Redis,
    options: RedisEmailFailuresOptions = {},
  ) {
    this.prefix = `${options.prefix ?? 'ledger:'}login:`
    this.serverClock = (options.clock ?? 'server') === 'server'
  }

  async begin(email: string, now: number): Promise<EmailTicket | { waitMs: number }> {
    const id = randomBytes(6).toString('base64url')
    const [ok, wait] = await this.run('begin', email, now, id)
    if (ok !== 1) return { waitMs: Number(wait) }
    return {
      failed: async (at) => void (await this.run('failed', email, at, id)),
      succeeded: async () => void (await this.run('succeeded', email, now, id)),
      cancel: async () => void (await this.run('cancel', email, now, id)),
    }
  }

  private async run(op: string, email: string, now: number, id: string): Promise<[number, string]> {
    const args = [
      op,
      this.serverClock ? 'server' : 'caller',
      String(now),
      id,
      String(LOGIN_WINDOW_MS),
      String(LOGIN_MAX_FAILURES),
      String(LOGIN_FIRST_LOCK_MS),
      String(LOGIN_MAX_LOCK_MS),
      String(PENDING_TTL_MS),
    ]
    try {
      return (await runScript(this.redis, LOGIN_LUA, `${this.prefix}{${email}}`, args)) as [number, string]
    } catch (err) {
      throw new ThrottleUnavailableError(describeRedisError(err), { cause: err })
    }
  }
}

/** Per email in Redis while it answers, in this process while it does not (as FallbackWindows). */
export class FallbackEmailFailures implements EmailFailures {
  private readonly local = new MemoryEmailFailures()

  constructor(
    private readonly shared: RedisEmailFailures,
    private readonly link: RedisLink,
  ) {}

  begin(email: string, now: number): Promise<EmailTicket | { waitMs: number }> {
    return this.link.orLocal(
      async () => {
        const r = await this.shared.begin(email, now)
        if ('waitMs' in r) return r
        // Settled in Redis; an outage meanwhile loses the settlement only (the pending entry expires).
        return {
          failed: (at) => this.link.orDrop(async () => r.failed(at)),
          succeeded: () => this.link.orDrop(async () => r.succeeded()),
          cancel: () => this.link.orDrop(async () => r.cancel()),
        }
      },
      () => this.local.begin(email, now),
    )
  }
}
