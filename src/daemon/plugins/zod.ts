import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import { safeParseReadable } from '../../contract/validation.js'
import { ApiError } from '../errors.js'

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
 */
export function registerZod(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema }) => (data: unknown) => {
    const r = safeParseReadable(schema as z.ZodType, data)
    return r.ok ? { value: r.value } : { error: new ApiError(400, r.detail) }
  })
  app.setSerializerCompiler(() => (data: unknown) => JSON.stringify(data))
}
