import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  BatchIngestResponseSchema,
  LAST_LOG_ID_HEADER,
  PROCESSED_UP_TO_HEADER,
  PROJECT_SLUG_HEADER,
  QUEUE_CAPACITY_HEADER,
  QueueDepthSchema,
  SingleIngestResponseSchema,
} from '../../../contract/ingest.js'
import { keyOf } from '../plugins/auth.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../../container.js'
import type { IngestOutcome } from '../../ingest/ingest-service.js'

function idempotencyKey(req: FastifyRequest): string | undefined {
  const v = req.headers['idempotency-key']
  return Array.isArray(v) ? v[0] : v
}

/** The headers every ingestion answer carries: replay, and the last log id it stored. */
export function outcomeHeaders(reply: FastifyReply, outcome: IngestOutcome<unknown>): void {
  if (outcome.replayed) reply.header('idempotent-replayed', 'true')
  if (outcome.lastLogId !== null) reply.header(LAST_LOG_ID_HEADER, String(outcome.lastLogId))
}

/** 202 Accepted: the logs are stored, and processed after the answer (a replay answers the same). */
function send<B>(reply: FastifyReply, outcome: IngestOutcome<B>) {
  outcomeHeaders(reply, outcome)
  return reply.code(202).send(outcome.body)
}

// Bodies are validated per log inside the service: a batch keeps its valid logs and reports
// the invalid ones by index, which a whole-body schema could not do.
export function ingestRoutes(app: App, { ingest, logEvents }: Services): void {
  app.post(
    '/api/v1/ingest/single',
    { config: { auth: 'api_key', scope: 'ingest' }, schema: { response: { 202: SingleIngestResponseSchema } } },
    async (req, reply) => send(reply, await ingest.single(keyOf(req), req.body, idempotencyKey(req))),
  )

  // The batch body reaches the service as raw bytes: it is parsed and validated there, off the
  // main thread when large (JSON parsing is a third of what a batch costs).
  app.register(async (raw: App) => {
    raw.removeContentTypeParser('application/json')
    raw.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    )
    raw.post(
      '/api/v1/ingest/batch',
      { config: { auth: 'api_key', scope: 'ingest' }, schema: { response: { 202: BatchIngestResponseSchema } } },
      async (req, reply) => send(reply, await ingest.batch(keyOf(req), req.body, idempotencyKey(req))),
    )
  })

  app.get(
    '/api/v1/queue/depth',
    { config: { auth: 'api_key', scope: 'ingest' }, schema: { response: { 200: QueueDepthSchema } } },
    async (req, reply) => {
      reply.header(PROCESSED_UP_TO_HEADER, String(logEvents.processedUpTo))
      const facts = await ingest.projectFacts(keyOf(req))
      if (facts.slug !== null) reply.header(PROJECT_SLUG_HEADER, facts.slug)
      reply.header(QUEUE_CAPACITY_HEADER, String(facts.capacity))
      return ingest.depth(keyOf(req))
    },
  )
}
