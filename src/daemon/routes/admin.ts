import { z } from 'zod'
import type { App } from '../plugins/zod.js'
import type { Services } from '../services/index.js'

const QueueControlSchema = z.object({ worker_running: z.boolean(), queue_depth: z.number().int() })

/** Operator endpoints, authorised by `X-Admin-Token`. */
export function adminRoutes(app: App, { queue }: Services): void {
  const auth = { auth: 'admin' as const }
  const state = () => ({ worker_running: queue.status().running, queue_depth: queue.totalDepth() })

  // Pausing stops processing only: ingestion goes on accepting (up to each queue's capacity).
  app.post(
    '/api/v1/admin/queue/pause',
    { config: auth, schema: { response: { 200: QueueControlSchema } } },
    async () => {
      queue.pause()
      return state()
    },
  )
  app.post(
    '/api/v1/admin/queue/resume',
    { config: auth, schema: { response: { 200: QueueControlSchema } } },
    async () => {
      queue.resume()
      return state()
    },
  )
}
