/**
 * An error of the HTTP layer itself (a header, a content type, a credential in the wrong place)
 * that becomes `{"detail": message}` with its status code and headers. Services throw
 * DomainError instead (services/errors.ts), which plugins/errors.ts maps.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string | number> = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }
}
