import type { FastifyRequest } from 'fastify'
import { ExportLogsReplySchema } from '../../../contract/otlp.js'
import { ApiError } from '../api-error.js'
import type { OtlpEncoding } from '../../ingest/otlp/decode.js'
import { exportLogsResponse } from '../../ingest/otlp/response.js'
import { keyOf } from '../plugins/auth.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../../container.js'
import { outcomeHeaders } from './ingest.js'

const PROTOBUF = 'application/x-protobuf'

function encodingOf(req: FastifyRequest): OtlpEncoding {
  return req.headers['content-type']?.trim().toLowerCase().startsWith(PROTOBUF) ? 'protobuf' : 'json'
}

function idempotencyKey(req: FastifyRequest): string | undefined {
  const v = req.headers['idempotency-key']
  return Array.isArray(v) ? v[0] : v
}

/**
 * OTLP/HTTP logs (`POST /v1/logs`): an `ExportLogsServiceRequest` as protobuf or JSON, with
 * an API key, through the same ingestion path as `ingest/batch`; answered in the request's
 * encoding. This route alone takes protobuf bodies (same 10 MiB limit, gzip allowed).
 */
export function otlpRoutes(app: App, { ingest }: Services): void {
  app.register(async (otlp: App) => {
    otlp.removeAllContentTypeParsers()
    // Raw bytes: decoded (protobuf or OTLP/JSON) in the ingestion service, off the main
    // thread when large.
    otlp.addContentTypeParser([PROTOBUF, 'application/json'], { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    )
    otlp.addContentTypeParser('*', (_req, _payload, done) =>
      done(new ApiError(415, `Content-Type must be ${PROTOBUF} or application/json (OTLP/HTTP)`), undefined),
    )
    otlp.post(
      '/v1/logs',
      {
        config: { auth: 'api_key', scope: 'ingest' },
        schema: { response: { 200: ExportLogsReplySchema } },
      },
      async (req, reply) => {
        const encoding = encodingOf(req)
        const outcome = await ingest.otlpLogs(keyOf(req), req.body, encoding, idempotencyKey(req))
        const { contentType, payload } = exportLogsResponse(outcome.body, encoding)
        outcomeHeaders(reply, outcome)
        // 200 also for a replay: OTLP has no other success status.
        return reply.code(200).type(contentType).send(payload)
      },
    )
  })
}
