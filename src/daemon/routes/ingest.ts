import {
  BatchIngestResponseSchema,
  QueueDepthSchema,
  SingleIngestResponseSchema,
} from '../../contract/ingest.js'
import { keyOf } from '../plugins/auth.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../services/index.js'

// Bodies are validated per log inside the service: a batch keeps its valid logs and reports
// the invalid ones by index, which a whole-body schema could not do.
export function ingestRoutes(app: App, { ingest }: Services): void {
  app.post(
    '/api/v1/ingest/single',
    { config: { auth: 'api_key' }, schema: { response: { 202: SingleIngestResponseSchema } } },
    async (req, reply) => reply.code(202).send(ingest.single(keyOf(req), req.body)),
  )

  app.post(
    '/api/v1/ingest/batch',
    { config: { auth: 'api_key' }, schema: { response: { 202: BatchIngestResponseSchema } } },
    async (req, reply) => reply.code(202).send(ingest.batch(keyOf(req), req.body)),
  )

  app.get(
    '/api/v1/queue/depth',
    { config: { auth: 'api_key' }, schema: { response: { 200: QueueDepthSchema } } },
    async (req) => ingest.depth(keyOf(req)),
  )
}
