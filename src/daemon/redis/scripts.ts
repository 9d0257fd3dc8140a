import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

const shas = new Map<string, string>()

/**
 * Lua that sets `local now` (ms): Redis's own clock when ARGV[clockArg] is `server` (daemons
 * with skewed clocks then share one), else ARGV[clockArg + 1] (the caller's, for tests). The
 * rate limiter keeps the microseconds (`fraction`), the throttles whole milliseconds.
 */
export function luaNow(clockArg: number, precision: 'fraction' | 'ms'): string {
  const micros = precision === 'ms' ? 'math.floor(tonumber(t[2]) / 1000)' : 'tonumber(t[2]) / 1000'
  return `local now
if ARGV[${clockArg}] == 'server' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + ${micros}
else
  now = tonumber(ARGV[${clockArg + 1}])
end`
}

/**
 * Runs a Lua script on one key: EVALSHA, and EVAL once when Redis does not have the script (a
 * restart, SCRIPT FLUSH), which loads it again.
 */
export async function runScript(redis: Redis, lua: string, key: string, args: (string | number)[]): Promise<unknown> {
  let sha = shas.get(lua)
  if (sha === undefined) {
    sha = createHash('sha1').update(lua).digest('hex')
    shas.set(lua, sha)
  }
  try {
    return await redis.evalsha(sha, 1, key, ...args)
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
    return await redis.eval(lua, 1, key, ...args)
  }
}
