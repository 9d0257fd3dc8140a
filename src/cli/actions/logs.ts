import { setTimeout as sleep } from 'node:timers/promises'
import { LedgerApiError, LedgerConnectionError, type LedgerClient } from '../../client/index.js'
import type { Log } from '../../contract/ingest.js'
import type { LogFilterParams } from '../../contract/logs.js'
import { backoffDelay, parseRetryAfter } from '../runtime/backoff.js'
import { CliError, EXIT, Interrupted } from '../runtime/errors.js'

/** Where a project's logs are read: a client, and the query parameters that name the project. */
export interface LogSource {
  client: LedgerClient
  query: { project_id?: number }
}

/**
 * `ledger logs`: the logs matching `filters`, newest first, up to `limit` (Infinity: all),
 * paged through (1000 a request) and handed to `print` as they come. Returns how many were
 * printed, and whether more match beyond the limit.
 */
export async function searchLogs(
  source: LogSource,
  filters: LogFilterParams,
  limit: number,
  print: (log: Log) => void,
): Promise<{ printed: number; more: boolean }> {
  let printed = 0
  let cursor: string | undefined
  do {
    const page = await source.client.logs({ ...source.query, ...filters, limit: Math.min(1000, limit - printed), cursor })
    for (const log of page.logs) print(log)
    printed += page.logs.length
    cursor = page.next_cursor ?? undefined
  } while (cursor && printed < limit)
  return { printed, more: cursor !== undefined }
}

/** `ledger tail` without `-f`: the latest `lines` logs, oldest first. */
export async function latestLogs(source: LogSource, filters: LogFilterParams, lines: number): Promise<Log[]> {
  if (lines === 0) return []
  const page = await source.client.logs({ ...source.query, ...filters, limit: lines })
  return page.logs.reverse()
}

export interface FollowOptions {
  /** The latest N matching logs first. */
  backlog: number
  print: (log: Log) => void
  /** Connection news for the user (stderr). */
  note: (message: string) => void
  /** Ends the follow (Ctrl-C): it then throws Interrupted. */
  signal: AbortSignal
}

/**
 * `ledger tail -f`: follows the live tail until `signal` aborts. When the connection drops (a
 * daemon restart, a reader fallen behind) it reconnects with jittered backoff (after a 429,
 * not before its Retry-After) and resumes after the last log printed (`Last-Event-ID`), so
 * nothing is missed or repeated. When the daemon ends the tail because the credential is no
 * longer valid, it throws (exit 4) instead; an access token that expired is refreshed first.
 */
export async function followLogs(source: LogSource, filters: LogFilterParams, opts: FollowOptions): Promise<never> {
  const { client, query } = source
  let lastEventId: number | undefined
  let lost = false
  for (let attempt = 0; ; attempt++) {
    let retryAfterMs: number | null = null
    let why = `Connection to ${client.baseUrl} lost`
    try {
      const tail = await client.tail({ ...query, ...filters, backlog: opts.backlog }, { lastEventId, signal: opts.signal })
      if (lost) opts.note('Reconnected.')
      lost = false
      attempt = 0
      for await (const { log } of tail) {
        opts.print(log)
        lastEventId = tail.lastEventId
      }
      if (opts.signal.aborted) throw new Interrupted()
      const ended = tail.ended
      // An access token that expired is refreshed on reconnecting (a stored login); any other
      // credential the daemon stopped honouring would only be refused again.
      if (ended?.reason === 'token_expired' && client.canRefresh) continue
      if (ended && ended.reason !== 'shutdown') {
        // On stderr also with --json: stdout carries only logs, one per line.
        throw new CliError(
          `the daemon ended the live tail: ${ended.detail} (${ended.reason})`,
          ended.reason.startsWith('key_') ? 'Use another API key (--api-key, LEDGER_API_KEY).' : 'Log in again with `ledger login`.',
          EXIT.auth,
          { streaming: true },
        )
      }
      if (ended) why = 'The daemon is shutting down'
    } catch (err) {
      if (opts.signal.aborted) throw new Interrupted()
      // A refused request (bad filter, credential) will not get better by retrying.
      if (err instanceof LedgerApiError && err.status !== 429 && err.status < 500) throw err
      if (!(err instanceof LedgerConnectionError || err instanceof LedgerApiError)) throw err
      // A 429 says when to come back; retrying sooner would only be refused again.
      if (err instanceof LedgerApiError) {
        retryAfterMs = parseRetryAfter(err.headers['retry-after'])
        why = err.detail
      }
    }
    if (!lost) opts.note(`${why}; reconnecting…`)
    lost = true
    // Jittered, so that the tails of a daemon that restarts do not all come back at once.
    try {
      await sleep(backoffDelay(attempt, retryAfterMs, { baseMs: 500, capMs: 5000 }), undefined, { signal: opts.signal })
    } catch {
      throw new Interrupted()
    }
  }
}
