import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

const shas = new Map<string, string>()

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
