import type { BytesTransport } from '../../client/bytes-transport.js'
import type { BackoffOptions } from '../backoff.js'

/** What to do with a batch the daemon does not take. */
export type FailurePolicy = 'retry' | 'fail' | 'drop'
export const FAILURE_POLICIES: readonly FailurePolicy[] = ['retry', 'fail', 'drop']

export interface ShipperOptions {
  /** How requests reach the daemon, carrying the project's API key. */
  transport: BytesTransport
  /**
   * `retry` (default): retry until delivered; once the input has ended, give up after
   * `giveUpAfterMs`. `fail`: a batch still failing `giveUpAfterMs` after its first failure stops
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
  now?: () => number
}

export type ShipperEvent =
  /** The daemon refused a log (validation, quota); `line` is what `add()` was given. */
  | { kind: 'rejected'; line: number; detail: string }
  /** Delivery started failing (the first retry after a success). */
  | { kind: 'retrying'; reason: string; status: number | null; delayMs: number }
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
}
