import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import { safeParseReadable } from '../../../contract/validation.js'
import { ApiError } from '../api-error.js'
import { parseJsonBody } from '../../ingest/json.js'

/** The Fastify instance as routes see it: schemas are zod, request types inferred from them. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>

/**
 * Route schemas are the contract's zod schemas. Requests are validated with them and a failure
 * becomes a 400 naming the field and the rule. Responses are typed by them but serialised with
 * plain JSON.stringify: re-validating every response would cost the hot path for nothing.
 * Request bodies are JSON only; a request without a body is never refused for its Content-Type.
 */
export function registerZod(app: FastifyInstance): void {
  // Bodies are JSON only (415 otherwise). Fastify also parses text/plain by default,
  // which would let a text body through to validation as a string (400 instead of 415).
  app.removeContentTypeParser('text/plain')
  // Our own JSON parser: the same rules as Fastify's, with messages that say what was wrong.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const r = parseJsonBody(body as string)
    done(r.ok ? null : new ApiError(400, r.detail), r.ok ? r.value : undefined)
  })
  // The Content-Type only matters when there is a body: a body-less POST or DELETE (logout,
  // revoke) sent with any Content-Type is not refused for it (the API's conventions).
  app.addHook('onRequest', (req, _reply, done) => {
    const h = req.headers
    if (h['content-type'] !== undefined && h['transfer-encoding'] === undefined) {
      if (h['content-length'] === undefined || h['content-length'] === '0') delete h['content-type']
    }
    done()
  })
  app.setValidatorCompiler(({ schema }) => (data: unknown) => {
    const r = safeParseReadable(schema as z.ZodType, data)
    return r.ok ? { value: r.value } : { error: new ApiError(400, r.detail) }
  })
  app.setSerializerCompiler(() => (data: unknown) => JSON.stringify(data))
}
