import type { BytesTransport } from '../../client/bytes-transport.js'
import { PROCESSED_UP_TO_HEADER } from '../../contract/ingest.js'
import { type Clock, realClock } from './clock.js'
import type { ShipperStats } from './shipper-types.js'

/** Why `--wait` could not see everything searchable. */
export class WaitError extends Error {
  constructor(
    message: string,
    /** 4 when the key was refused, else 1. */
    readonly auth = false,
  ) {
    super(message)
  }
}

export interface WaitOptions {
  /** Give up after this long (ms); Infinity waits as long as it takes. */
  timeoutMs: number
  signal?: AbortSignal
  clock?: Clock
}

/**
 * `ledger ingest --wait`: polls `GET /api/v1/queue/depth` until its `Ledger-Processed-Up-To`
 * reaches `lastLogId` (the largest `Ledger-Last-Log-Id` of the accepted batches): every log
 * sent is then searchable. Polls every 50 ms at first, then up to every second. Resolves with
 * the time it took; throws a `WaitError` on timeout, interruption, a refused key, or a daemon
 * that does not report its progress.
 */
export async function waitUntilProcessed(transport: BytesTransport, lastLogId: number, options: WaitOptions): Promise<number> {
  const clock = options.clock ?? realClock
  const signal = options.signal ?? new AbortController().signal
  const started = clock.now()
  const deadline = started + options.timeoutMs
  let interval = 50
  let seen: number | null = null
  let lastError: string | null = null
  for (;;) {
    if (signal.aborted) throw new WaitError('interrupted while waiting for the daemon to process the logs sent')
    try {
      const res = await transport.request('GET', '/api/v1/queue/depth', null, {}, signal)
      if (res.status === 401 || res.status === 403)
        throw new WaitError(`the daemon refused the API key while waiting (HTTP ${res.status})`, true)
      if (res.status === 200) {
        const header = res.headers[PROCESSED_UP_TO_HEADER]
        if (header === undefined)
          throw new WaitError(
            `${transport.baseUrl} does not say how far it has processed (no Ledger-Processed-Up-To header): it is older than this CLI, and --wait cannot work with it`,
          )
        seen = Number(header)
        lastError = null
        if (seen >= lastLogId) return clock.now() - started
      } else {
        lastError = `HTTP ${res.status}`
      }
    } catch (err) {
      if (err instanceof WaitError) throw err
      if (signal.aborted) continue
      lastError = (err as Error).message
    }
    const now = clock.now()
    if (now >= deadline) {
      const where = seen === null ? `no answer (${lastError ?? 'none'})` : `processed up to log id ${seen}`
      throw new WaitError(
        `gave up waiting after ${Math.round(options.timeoutMs / 1000)} s (--wait-timeout): the last log sent is id ${lastLogId}, the daemon has ${where}`,
      )
    }
    await clock.sleep(Math.min(interval, deadline - now), signal)
    interval = Math.min(1000, interval * 1.5)
  }
}

/**
 * `ledger ingest --wait` after the last batch: waits until the daemon has processed the largest
 * log id it gave this run's logs. `timeoutS` 0 waits without limit. Resolves with the time it
 * took (ms); throws a `WaitError`.
 */
export function waitUntilSearchable(
  transport: BytesTransport,
  stats: ShipperStats,
  timeoutS: number,
  signal: AbortSignal,
  clock?: Clock,
): Promise<number> {
  if (stats.lastLogId === 0 || stats.withoutLogId > 0)
    throw new WaitError(
      `${transport.baseUrl} does not say which ids it gave the logs (no Ledger-Last-Log-Id header): it is older than this CLI, and --wait cannot work with it`,
    )
  return waitUntilProcessed(transport, stats.lastLogId, {
    timeoutMs: timeoutS === 0 ? Number.POSITIVE_INFINITY : timeoutS * 1000,
    signal,
    ...(clock ? { clock } : {}),
  })
}
