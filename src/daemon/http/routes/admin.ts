import { z } from 'zod'
import {
  ApiKeyDetailSchema,
  ApiKeyListSchema,
  KeyIdParamsSchema,
  LimitsRequestSchema,
  LimitsSchema,
  MetricsQuerySchema,
  MetricsSchema,
  PageQuerySchema,
} from '../../../contract/api-keys.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../../container.js'

const QueueControlSchema = z.object({ worker_running: z.boolean(), queue_depth: z.number().int() })

/** Operator endpoints (the admin API and queue control), authorised by `X-Admin-Token`. */
export function adminRoutes(app: App, { queue, apiKeys }: Services): void {
  const auth = { auth: 'admin' as const }
  const state = () => ({ worker_running: queue.status().running, queue_depth: queue.totalDepth() })

  app.get(
    '/api/v1/admin/api-keys',
    { config: auth, schema: { querystring: PageQuerySchema, response: { 200: ApiKeyListSchema } } },
    async (req) => apiKeys.list('all', req.query.page, req.query.size),
  )
  app.get(
    '/api/v1/admin/api-keys/:key_id',
    { config: auth, schema: { params: KeyIdParamsSchema, response: { 200: ApiKeyDetailSchema } } },
    async (req) => apiKeys.get(null, req.params.key_id),
  )
  app.get(
    '/api/v1/admin/api-keys/:key_id/limits',
    { config: auth, schema: { params: KeyIdParamsSchema, response: { 200: LimitsSchema } } },
    async (req) => apiKeys.limits(null, req.params.key_id),
  )
  app.put(
    '/api/v1/admin/api-keys/:key_id/limits',
    {
      config: auth,
      schema: { params: KeyIdParamsSchema, body: LimitsRequestSchema, response: { 200: LimitsSchema } },
    },
    async (req) => apiKeys.setLimits(null, req.params.key_id, req.body),
  )
  app.get(
    '/api/v1/admin/api-keys/:key_id/metrics',
    {
      config: auth,
      schema: {
        params: KeyIdParamsSchema,
        querystring: MetricsQuerySchema,
        response: { 200: MetricsSchema },
      },
    },
    async (req) => apiKeys.metrics(null, req.params.key_id, req.query.from, req.query.to),
  )

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
