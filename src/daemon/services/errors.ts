/**
 * What went wrong, in the domain's words. Services throw these; the HTTP layer (http/plugins/
 * errors.ts) is the one place that turns each kind into a status and headers.
 */
export type ErrorKind =
  /** The request is malformed or breaks a rule (400). */
  | 'invalid'
  /** No valid credential (401). */
  | 'unauthenticated'
  /** A valid credential that may not do this (403). */
  | 'forbidden'
  | 'not_found'
  /** The state of things does not allow it (a name taken, a cap reached, a revoked key) (409). */
  | 'conflict'
  /** Too many, too often: come back after `retryAfter` seconds (429). */
  | 'rate_limited'
  /** Busy or unable for now (queue full, storage full, hashes pending): after `retryAfter` (503). */
  | 'unavailable'

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Whole seconds after which trying again makes sense (rate_limited, unavailable). */
    readonly retryAfter?: number,
  ) {
    super(message)
    this.name = 'DomainError'
  }
}

export const badRequest = (detail: string) => new DomainError('invalid', detail)
export const unauthorized = (detail = 'Not authenticated') => new DomainError('unauthenticated', detail)
export const forbidden = (detail: string) => new DomainError('forbidden', detail)
export const notFound = (detail: string) => new DomainError('not_found', detail)
export const conflict = (detail: string) => new DomainError('conflict', detail)
export const rateLimited = (detail: string, retryAfter: number) => new DomainError('rate_limited', detail, retryAfter)
export const unavailable = (detail: string, retryAfter: number) => new DomainError('unavailable', detail, retryAfter)
