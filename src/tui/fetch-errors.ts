import { LedgerApiError, LedgerConnectionError } from '../client/index.js'

/** Why a refresh failed, as the screen tells it. */
export interface FetchError {
  kind: 'disconnected' | 'api'
  message: string
}

/** Turns what `fetchOverview` threw into what the screen says. */
export type ClassifyError = (err: unknown) => FetchError

/**
 * The classifier of the client's errors. `ledger top` hands the App the copy of this function
 * that sits beside its client (in the CLI bundle), so the screen, loaded from dist/tui/ with its
 * own copy of the client, never compares errors with classes of another copy.
 */
export function classifyFetchError(err: unknown): FetchError {
  if (err instanceof LedgerConnectionError) return { kind: 'disconnected', message: err.message }
  if (err instanceof LedgerApiError) return { kind: 'api', message: `${err.detail} (HTTP ${err.status})` }
  return { kind: 'api', message: (err as Error)?.message ?? String(err) }
}
