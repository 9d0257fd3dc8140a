import { existsSync, readdirSync } from 'node:fs'
import { connect } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { isAlive } from '../../src/shared/daemon-state.js'
import { type RedisServer, redisSkipReason, startRedis, useRedis } from './redis.js'

// The test harness's Redis server: a real server from the machine's install, in a temp dir, on
// 127.0.0.1 only, persisting nothing.

const skip = redisSkipReason()
if (skip) console.warn(`Redis harness tests skipped: ${skip}`)

/** Runs `fn` on a connection to `url` that never retries, then closes it. */
async function withClient<T>(url: string, fn: (c: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await fn(client)
  } finally {
    client.disconnect()
  }
}

/** How a plain TCP connection to the port ends: 'connected' or the error's code. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

describe.skipIf(skip !== null)('the Redis test server', () => {
  const server = useRedis()

  it('answers on its URL, on 127.0.0.1 only, with persistence off and its dir as working dir', async () => {
    const s = server()
    expect(new URL(s.url).hostname).toBe('127.0.0.1')
    const config = await withClient(s.url, async (c) => {
      await c.set('k', 'v')
      expect(await c.get('k')).toBe('v')
      const get = async (name: string) => ((await c.config('GET', name)) as string[])[1]
      return { bind: await get('bind'), save: await get('save'), aof: await get('appendonly'), dir: await get('dir') }
    })
    expect(config).toEqual({ bind: '127.0.0.1', save: '', aof: 'no', dir: s.dir })
    expect(Number((await withClient(s.url, (c) => c.info('server'))).match(/redis_version:(\d+)/)?.[1])).toBeGreaterThanOrEqual(7)
  })

  it('kill is a crash: clients are cut off and refused until restart, which comes back empty on the same port', async () => {
    const s = server()
    await withClient(s.url, (c) => c.set('before', '1'))
    const held = new Redis(s.url, { maxRetriesPerRequest: 0, retryStrategy: () => null })
    held.on('error', () => undefined)
    await held.ping()
    const closed = new Promise<void>((resolve) => held.once('end', () => resolve()))
    const { pid, port } = s
    await s.kill()
    expect(s.running).toBe(false)
    expect(isAlive(pid)).toBe(false)
    await closed
    expect(await probe(port)).toBe('ECONNREFUSED')

    await s.restart()
    expect(s.running).toBe(true)
    expect(s.port).toBe(port)
    expect(s.pid).not.toBe(pid)
    expect(await withClient(s.url, (c) => c.get('before'))).toBeNull()
    // Nothing was written to its dir, then or now.
    await withClient(s.url, (c) => c.set('after', '1'))
    await s.restart()
    expect(readdirSync(s.dir).filter((f) => /\.(rdb|aof)$|appendonlydir/.test(f))).toEqual([])
  })
})

describe.skipIf(skip !== null)('several Redis test servers', () => {
  const started: RedisServer[] = []
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()))
  })

  it('start side by side (as two test workers do), each on its own port and dir, with their own data', async () => {
    const [one, two] = await Promise.all([startRedis(), startRedis()])
    started.push(one, two)
    expect(one.port).not.toBe(two.port)
    expect(one.dir).not.toBe(two.dir)
    await withClient(one.url, (c) => c.set('who', 'one'))
    expect(await withClient(two.url, (c) => c.get('who'))).toBeNull()
  })

  it('takes settings, and stop ends the server and removes its dir; its port no longer answers', async () => {
    const s = await startRedis({ settings: { maxmemory: '10mb' } })
    expect(await withClient(s.url, async (c) => ((await c.config('GET', 'maxmemory')) as string[])[1])).toBe(String(10 * 1024 * 1024))
    const { dir, pid, port } = s
    expect(existsSync(dir)).toBe(true)
    await s.stop()
    expect(isAlive(pid)).toBe(false)
    expect(existsSync(dir)).toBe(false)
    expect(await probe(port)).toBe('ECONNREFUSED')
  })
})
