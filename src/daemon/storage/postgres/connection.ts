import pg from 'pg'
import { StorageUnavailableError } from '../types.js'

// The connection pool, and what a PostgreSQL error means for the caller: the server away (a
// 503, retried) or a real failure. Numbers come back as numbers: every bigint Ledger stores (ids,
// epoch milliseconds, counts) fits in a double.

const NUMBER = (v: string) => Number(v)
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    // int8, numeric (sum() of bigints), float8 already a number.
    if (oid === 20 || oid === 1700) return NUMBER
    return pg.types.getTypeParser(oid, format)
  },
} as unknown as pg.CustomTypesConfig

export interface PoolOptions {
  /** Connections at most (ingestion uses one at a time; reads, tails and stats share the rest). */
  max?: number
  /** Told of an idle connection's error (the server restarted, the connection was terminated). */
  onIdleError?: (err: Error) => void
}

/** A pool on `url`; connections that die are dropped and replaced on the next query. */
export function createPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    // A server that does not answer fails the request (503), not hang it.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types: TYPES,
    application_name: 'ledger',
    // No statement runs for ever: a stuck query ends with an error the caller sees.
    statement_timeout: 60_000,
    // Every commit waits for its WAL write: a 202 means committed. Read committed whatever the
    // server's default: a commit that waits for the `log_ids` row then takes the ids after the
    // one it waited for (under repeatable read it would fail instead).
    options: '-c synchronous_commit=on -c default_transaction_isolation=read\\ committed',
  })
  // An idle connection ended by the server (restart, pg_terminate_backend) is an 'error' event
  // on the pool: without a listener it would crash the process. The pool drops that client.
  pool.on('error', (err) => opts.onIdleError?.(err))
  return pool
}

/** SQLSTATE classes and codes that mean "the server is not there", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
])
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH'])

/** Whether `err` means the database is away (or the connection was lost) rather than a bad query. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof StorageUnavailableError) return true
  const e = err as { code?: string; message?: string } | undefined
  const code = e?.code ?? ''
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || NODE_CODES.has(code)) return true
  const message = e?.message ?? ''
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|the database system is (starting up|shutting down)|Cannot use a pool after calling end/i.test(
    message,
  )
}

/** A short, password-free reason for an unavailable database. */
export function unavailableReason(err: unknown): string {
  const e = err as { code?: string; message?: string }
  if (e.code && NODE_CODES.has(e.code)) return `cannot connect: ${e.code}`
  if (e.code === '57P01') return 'the connection was terminated by the server'
  if (e.code === '57P03') return 'the server is starting up or shutting down'
  if (e.code === '53300') return 'too many connections'
  if (/timeout/i.test(e.message ?? '')) return 'no answer in time'
  if (/Connection terminated/i.test(e.message ?? '')) return 'the connection was lost'
  return e.code ? `SQLSTATE ${e.code}` : 'the connection was lost'
}
