import type { FastifyError, FastifyInstance } from 'fastify'
import { DomainError, type ErrorKind } from '../../services/errors.js'
import { InvalidInputError, StorageFullError, StorageUnavailableError } from '../../storage/types.js'
import { ApiError } from '../api-error.js'
import { closeAfterResponse } from './client-errors.js'

/** The one mapping of the domain's errors onto HTTP statuses. */
const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
}

/** A write refused for lack of space: clients retry after this. */
const DISK_FULL_RETRY_AFTER_S = 10

// Fastify's own 4xx errors, reworded for people.
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type must be application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty; expected a JSON document',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large (the limit is 10 MiB)',
}

/**
 * One error handler for the whole API: every error leaves as `{"detail": "..."}` with its
 * status; a 5xx is logged with the request and never shows its message or stack.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError | DomainError, request, reply) => {
    // Refused before its body was read (Fastify then closes the connection): close gently.
    if (reply.getHeader('connection') === 'close') closeAfterResponse(request.raw)
    // A write the disk had no room for: nothing was stored (the transaction rolled back), and it
    // will work again once there is room. 503 + Retry-After, which every client retries.
    if (error instanceof StorageFullError) {
      return reply
        .code(503)
        .header('retry-after', DISK_FULL_RETRY_AFTER_S)
        .send({ detail: 'Storage is full (disk full): nothing was stored; retry once the daemon has disk space again' })
    }
    // The database server is down, restarting or its connection was cut: nothing was
    // acknowledged (a write's outcome may be unknown: a retry with an Idempotency-Key is safe).
    if (error instanceof StorageUnavailableError) {
      return reply
        .code(503)
        .header('retry-after', error.retryAfter)
        .send({ detail: `The database is unavailable (${error.message}); retry in a moment` })
    }
    if (error instanceof InvalidInputError) return reply.code(400).send({ detail: error.message })
    if (error instanceof DomainError) {
      if (error.retryAfter !== undefined) reply.header('retry-after', error.retryAfter)
      return reply.code(STATUS[error.kind]).send({ detail: error.message })
    }
    if (error instanceof ApiError) {
      for (const [k, v] of Object.entries(error.headers)) reply.header(k, v)
      return reply.code(error.statusCode).send({ detail: error.message })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      let detail = (error.code && FASTIFY_MESSAGES[error.code]) || error.message
      if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
        detail = `Malformed JSON body: ${error.message}`
      }
      return reply.code(status).send({ detail })
    }
    request.log.error({ err: error }, 'request failed')
    return reply.code(500).send({ detail: 'Internal server error' })
  })

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ detail: `Not found: ${request.method} ${request.url.split('?')[0]}` })
  })
}
