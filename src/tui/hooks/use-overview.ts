import { useEffect, useRef, useState } from 'react'
import type { Overview, OverviewQuery } from '../../contract/stats.js'
import type { ClassifyError, FetchError } from '../fetch-errors.js'

/** Where the figures come from: in `ledger top`, the client's `statsOverview`. */
export type FetchOverview = (query: OverviewQuery) => Promise<Overview>

export interface OverviewState {
  /** The latest figures received (kept while the daemon is away). */
  data: Overview | null
  /** Why the last request failed, or null when it succeeded. */
  error: FetchError | null
  /** Failed requests in a row. */
  failures: number
  /** When the figures were received (epoch ms). */
  receivedAt: number | null
}

export interface OverviewOptions {
  project?: string | null
  errors?: number
  /** The project's latest logs wanted (with `project`). */
  logs?: number
  intervalMs: number
  paused: boolean
  /** Says what a failed request means (see fetch-errors.ts). */
  classifyError: ClassifyError
}

/**
 * Polls the overview every `intervalMs`, one request at a time, and keeps polling through
 * failures: a daemon that goes away is reconnected to as soon as it answers again. Paused, it
 * keeps the last figures and sends nothing.
 */
export function useOverview(fetchOverview: FetchOverview, opts: OverviewOptions): OverviewState {
  const [state, setState] = useState<OverviewState>({ data: null, error: null, failures: 0, receivedAt: null })
  const fetchRef = useRef(fetchOverview)
  fetchRef.current = fetchOverview
  const classifyRef = useRef(opts.classifyError)
  classifyRef.current = opts.classifyError
  const { project, errors, logs, intervalMs, paused } = opts
  // Read at each tick: pausing stops the very next request, before the effect is cleaned up.
  const pausedRef = useRef(paused)
  pausedRef.current = paused

  useEffect(() => {
    if (paused) return
    let cancelled = false
    let timer: NodeJS.Timeout | undefined
    const tick = async () => {
      if (pausedRef.current) return
      try {
        const data = await fetchRef.current({
          ...(project ? { project, ...(logs === undefined ? {} : { logs: String(logs) }) } : {}),
          ...(errors === undefined ? {} : { errors: String(errors) }),
        })
        if (!cancelled) setState({ data, error: null, failures: 0, receivedAt: Date.now() })
      } catch (err) {
        if (!cancelled) setState((s) => ({ ...s, error: classifyRef.current(err), failures: s.failures + 1 }))
      }
      if (!cancelled) timer = setTimeout(() => void tick(), intervalMs)
    }
    void tick()
    return () => {
      cancelled = true
      if (timer) clearTimeout(timer)
    }
  }, [project, errors, logs, intervalMs, paused])

  return state
}
