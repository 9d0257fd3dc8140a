import type { LedgerTail } from '../../src/client/index.js'
import type { TailEvent } from '../../src/contract/logs.js'

/** Reads a tail in the background; `events` fills as they arrive. */
export function consume(tail: LedgerTail) {
  const events: TailEvent[] = []
  const done = (async () => {
    for await (const e of tail) events.push(e)
  })()
  // Settled either way: a test awaits it only when it expects the end.
  done.catch(() => undefined)
  return { events, done }
}
