import { z } from 'zod'
import { parseTimestamp } from '../shared/time.js'

/** The error body every endpoint answers with on a 4xx/5xx. */
export const ErrorSchema = z.object({ detail: z.string(), code: z.string().optional() })
export type ErrorBody = z.infer<typeof ErrorSchema>

/** An ISO 8601 timestamp with a time zone. */
export const timestampString = () =>
  z.string().refine((v) => parseTimestamp(v) !== null, { message: 'must be an ISO 8601 timestamp' })

/** A path or query id that must be a positive integer (`"12"` → 12). */
export const idParam = (name: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, { message: 'must be a positive integer' })
    .transform(Number)
    .describe(name)

export const SuccessSchema = z.object({ success: z.literal(true), message: z.string() })
export type Success = z.infer<typeof SuccessSchema>
