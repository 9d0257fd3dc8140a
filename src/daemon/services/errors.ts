/** An error that becomes `{"detail": message}` with its status code (and headers) on the wire. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string | number> = {},
    readonly code?: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export const badRequest = (detail: string) => new ApiError(400, detail)
export const unauthorized = (detail = 'Not authenticated') => new ApiError(401, detail)
export const forbidden = (detail: string) => new ApiError(403, detail)
export const notFound = (detail: string) => new ApiError(404, detail)
export const conflict = (detail: string) => new ApiError(409, detail)
