import type { BytesTransport } from '../../client/bytes-transport.js'
import type { BackoffOptions } from '../runtime/backoff.js'
import type { Clock } from './clock.js'

/** What to do with a batch the daemon does not take. */
export type FailurePolicy = 'retry' | 'fail' | 'drop'
export const FAILURE_POLICIES: readonly FailurePolicy[] = ['retry', 'fail', 'drop']

export interface ShipperOptions {
  /** How requests reach the daemon, carrying the project's API key. */
  transport: BytesTransport
  /**
   * What to do with a batch that fails (daemon unreachable, 5xx other than 503; a busy daemon,
   * 429 or 503, is waited for as long as it asks, never given up). `retry` (default): retry
   * until delivered; once the input has ended, give up `giveUpAfterMs` after that (or after the
   * batch's failures began, if later). `fail`: a batch failing for `giveUpAfterMs` stops
   * everything. `drop`: such a batch is dropped (counted) and the stream goes on.
   */
  onFailure?: FailurePolicy
  /** Default 60 s. */
  giveUpAfterMs?: number
  /** Logs per batch, at most 1000 (the API's limit). */
  maxBatchLogs?: number
  /** A batch is sent before its body would pass this many bytes (default 1 MiB). */
  maxBatchBytes?: number
  /** A batch is sent at the latest this long after its first log (default 200 ms). */
  lingerMs?: number
  /** Batches in flight at once (default 4). */
  concurrency?: number
  /** Sealed batches waiting for a free slot before `saturated` says to pause the input (default 4). */
  maxQueued?: number
  backoff?: BackoffOptions
  /** Events for the user: rejected logs, retries, batches given up. */
  onEvent?: (event: ShipperEvent) => void
  random?: () => number
  /** Time, waits and timers (default: the real clock). */
  clock?: Clock
}

export type ShipperEvent =
  /** The daemon refused a log (validation, quota); `line` is what `add()` was given. */
  | { kind: 'rejected'; line: number; detail: string }
  /** Delivery started failing (the first retry after a success or a busy answer). */
  | { kind: 'retrying'; reason: string; status: number | null; delayMs: number }
  /** The daemon said "later" (429, 503): waiting as long as it asks (the first of a while). */
  | { kind: 'busy'; reason: string; status: number; delayMs: number }
  /** Delivery works again after failures. */
  | { kind: 'recovered'; failedForMs: number; retries: number }
  /** A batch given up (dropped, or not delivered before the give-up time). */
  | { kind: 'undelivered'; lines: number; firstLine: number; lastLine: number; reason: string }

/** Why shipping stopped for good: the key was refused, or nothing can be delivered. */
export interface ShipperFatal {
  status: number | null
  detail: string
  /** True for 401/403: the credential is the problem (exit code 4). */
  auth: boolean
}

export interface ShipperStats {
  /** Logs given to `add()`. */
  logs: number
  accepted: number
  rejected: number
  /** Logs not delivered: dropped, given up, or still pending when shipping was stopped. */
  undelivered: number
  /** Batches the daemon answered 2xx. */
  batches: number
  requests: number
  retries: number
  /** Answers that were replays of an earlier request (`Idempotent-Replayed`). */
  replayed: number
  /** Batches in flight or waiting to be sent. */
  pending: number
  /** The reason of the failure being retried right now, or null. */
  failing: string | null
  /** Why the daemon asked to wait (429, 503) right now, or null. */
  waiting: string | null
  /** Time (wall clock) during which the daemon was busy (429, 503) and batches waited, in ms. */
  busyWaitMs: number
  /** The largest `Ledger-Last-Log-Id` of the accepted batches (0: none yet). */
  lastLogId: number
  /** Accepted batches whose answer carried no `Ledger-Last-Log-Id` (an older daemon). */
  withoutLogId: number
}
