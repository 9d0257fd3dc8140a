import { z } from 'zod'
import { parseTimestamp } from '../shared/time.js'
import { LEVELS, LogSchema } from './ingest.js'

const timestampQuery = (name: string) =>
  z.string().transform((v, ctx) => {
    const ms = parseTimestamp(v)
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 timestamp with a time zone (${name})` })
      return z.NEVER
    }
    return ms
  })

/** `level=error,critical` or `level=error&level=critical`. */
const levelsQuery = z.union([z.string(), z.array(z.string())]).transform((v, ctx) => {
  const levels = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase())
  for (const l of levels) {
    if (!(LEVELS as readonly string[]).includes(l)) {
      ctx.addIssue({ code: 'custom', message: `must be one or more of ${LEVELS.join(', ')} (got '${l}')` })
      return z.NEVER
    }
  }
  return [...new Set(levels)]
})

export const LogQuerySchema = z.object({
  project_id: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, { message: 'must be a positive integer' })
    .transform(Number)
    .optional(),
  level: levelsQuery.optional(),
  from: timestampQuery('from').optional(),
  to: timestampQuery('to').optional(),
  limit: z
    .string()
    .regex(/^[0-9]+$/, { message: 'must be an integer from 1 to 1000' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, { message: 'must be an integer from 1 to 1000' })
    .optional(),
  cursor: z.string().max(200).optional(),
})
export type LogQueryParams = z.input<typeof LogQuerySchema>

export const LogPageSchema = z.object({ logs: z.array(LogSchema), next_cursor: z.string().nullable() })
export type LogPage = z.infer<typeof LogPageSchema>
