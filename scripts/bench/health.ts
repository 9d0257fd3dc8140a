// The figures of deep health (`GET /health/deep`) the bench waits on and prints.
import { z } from 'zod'
import type { LedgerClient } from '../../src/client/index.js'

// The contract types deep health's `services` as a record of unknowns (each service reports
// figures of its own), so tsc cannot check these two: they are checked here, at run time, and a
// renamed figure stops the bench with zod's message instead of printing NaN.
const BenchHealthSchema = z.object({
  services: z.object({
    ingestion_queue: z.object({ depth: z.number() }),
    live_tails: z.object({ busy_ms: z.number() }),
  }),
})

/** The daemon's queue depth (all projects) and the main thread's time spent on live tails so far. */
export interface BenchHealth {
  depth: number
  tailsBusyMs: number
}

export async function benchHealth(client: LedgerClient): Promise<BenchHealth> {
  const { services } = BenchHealthSchema.parse(await client.deepHealth())
  return { depth: services.ingestion_queue.depth, tailsBusyMs: services.live_tails.busy_ms }
}

/** Resolves once the daemon's queue is empty, asking every `everyMs`. */
export async function queueDrained(client: LedgerClient, everyMs: number): Promise<void> {
  while ((await benchHealth(client)).depth !== 0) await new Promise((r) => setTimeout(r, everyMs))
}
