import { Redis } from 'ioredis'

/** How long one command may take before it counts as Redis being unavailable. */
const COMMAND_TIMEOUT_MS = 1000
const CONNECT_TIMEOUT_MS = 2000
/** Reconnection backs off to this and keeps trying for as long as the daemon runs. */
const MAX_RECONNECT_DELAY_MS = 2000

/**
 * A Redis connection for the daemon's shared state (`redis://[user:password@]host:port[/db]`,
 * or `rediss://` for TLS). It fails fast rather than waits: while Redis is down, commands are
 * refused at once (no offline queue, no retries of a command, a 1 s command timeout), so
 * that a request never hangs on Redis and the caller can fall back; meanwhile it reconnects by
 * itself, backing off to 2 s. Commands sent in the same tick go in one write (auto-pipelining).
 * Not connected yet: call `connect()` (it rejects when Redis cannot be reached).
 */
export function openRedis(url: string, options: { name?: string } = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(100 * times, MAX_RECONNECT_DELAY_MS),
    enableAutoPipelining: true,
    connectionName: options.name ?? 'ledger',
  })
  // Without a listener, ioredis prints every failed reconnection to the console. Failures reach
  // the daemon through the commands that fail (and health), not through this event.
  client.on('error', () => undefined)
  return client
}

/** One line for a Redis failure, with no password in it (a URL may carry one). */
export function describeRedisError(err: unknown): string {
  const e = err as { code?: string; message?: string }
  const message = e?.message ?? String(err)
  return (e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message).replace(/\/\/[^@/\s]*@/g, '//')
}

/** The URL as it may be shown (health, logs): without its password. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'redis://(unparsable URL)'
  }
}
