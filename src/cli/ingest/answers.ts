import type { RawResponse } from '../../client/index.js'
import { parseBatchError } from '../../contract/batch-errors.js'
import { parseRetryAfter } from '../runtime/backoff.js'
import type { ShipperFatal } from './shipper-types.js'

/** What an answer to a batch means for it. */
export type Outcome =
  | { kind: 'done'; res: RawResponse }
  | { kind: 'rejected'; status: number; detail: string }
  | { kind: 'retry'; reason: string; status: number | null; retryAfterMs: number | null }
  | { kind: 'fatal'; fatal: ShipperFatal }
  | { kind: 'aborted' }

/**
 * Reads the daemon's answer to a batch: 2xx done; 401/403 fatal (the key); 408, 429 and 5xx
 * retried, with their `Retry-After`; 404/405 fatal (not a Ledger daemon); any other 4xx (400
 * for a batch of invalid logs, 409, 413, 415) refuses this batch only.
 */
export function classify(res: RawResponse, baseUrl: string, now: number): Outcome {
  const s = res.status
  if (s >= 200 && s < 300) return { kind: 'done', res }
  const detail = detailOf(res)
  if (s === 401 || s === 403) return { kind: 'fatal', fatal: { status: s, detail, auth: true } }
  if (s === 408 || s === 429 || s >= 500) {
    return { kind: 'retry', reason: `HTTP ${s}: ${detail}`, status: s, retryAfterMs: parseRetryAfter(res.headers['retry-after'], now) }
  }
  if (s === 404 || s === 405) {
    return { kind: 'fatal', fatal: { status: s, detail: `${baseUrl} has no Ledger ingest endpoint (HTTP ${s})`, auth: false } }
  }
  return { kind: 'rejected', status: s, detail }
}

/** A "later" from the daemon (429 rate limit or quota, 503 queue full): waited for, never given up. */
export function isBusy(outcome: Extract<Outcome, { kind: 'retry' }>): boolean {
  return outcome.status === 429 || outcome.status === 503
}

/** The `{"detail"}` of an error answer, or its status. */
export function detailOf(res: RawResponse): string {
  const b = res.body as { detail?: unknown } | null
  return b && typeof b === 'object' && typeof b.detail === 'string' ? b.detail : `HTTP ${res.status}`
}

/** The per-log errors of a 202 (`"Log 7: …"`, 0-based indexes in the batch). */
export function perLogErrors(body: unknown): Array<{ index: number; detail: string }> {
  const errors = (body as { errors?: unknown } | null)?.errors
  if (!Array.isArray(errors)) return []
  return errors.map((e) => {
    const text = String(e)
    return parseBatchError(text) ?? { index: 0, detail: text }
  })
}
