import { z } from 'zod'
import { parseTimestamp } from '../shared/time.js'

export const LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const
export const LOG_TYPES = ['console', 'logger', 'exception', 'custom'] as const
export const IMPORTANCES = ['low', 'standard', 'high'] as const
export type Level = (typeof LEVELS)[number]

/** Limits from seed 000; the short text fields' 255 is Ledger's own (the seed gives none). */
export const LOG_LIMITS = {
  message: 10_000,
  error_message: 5_000,
  stack_trace: 50_000,
  short: 255,
  attributesBytes: 100 * 1024,
  batch: 1000,
} as const

const optionalText = (max: number) =>
  z
    .string()
    .max(max, { message: `exceeds maximum length of ${max} characters` })
    .nullish()
    .transform((v) => v ?? null)

/** One log as sent to `ingest/single` or inside `ingest/batch`. */
export const LogInputSchema = z.object({
  timestamp: z.string().transform((v, ctx) => {
    const ms = parseTimestamp(v)
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 timestamp with a time zone' })
      return z.NEVER
    }
    return ms
  }),
  level: z.enum(LEVELS),
  log_type: z.enum(LOG_TYPES),
  importance: z.enum(IMPORTANCES),
  message: optionalText(LOG_LIMITS.message),
  error_type: optionalText(LOG_LIMITS.short),
  error_message: optionalText(LOG_LIMITS.error_message),
  stack_trace: optionalText(LOG_LIMITS.stack_trace),
  environment: optionalText(LOG_LIMITS.short),
  release: optionalText(LOG_LIMITS.short),
  sdk_version: optionalText(LOG_LIMITS.short),
  platform: optionalText(LOG_LIMITS.short),
  platform_version: optionalText(LOG_LIMITS.short),
  attributes: z
    .record(z.string(), z.unknown(), { message: 'must be an object' })
    .nullish()
    .transform((v, ctx) => {
      if (v == null) return null
      const json = JSON.stringify(v)
      if (Buffer.byteLength(json) > LOG_LIMITS.attributesBytes) {
        ctx.addIssue({ code: 'custom', message: 'exceed the maximum size of 100KB serialized' })
        return z.NEVER
      }
      return json
    }),
})
/** A log as a client sends it. */
export type LogInput = z.input<typeof LogInputSchema>
/** A validated log: timestamp in epoch ms, attributes serialised. */
export type ValidLog = z.output<typeof LogInputSchema>

export const BatchRequestSchema = z.object({
  logs: z.array(z.unknown(), { message: 'must be an array of logs' }),
})

export const SingleIngestResponseSchema = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  message: z.string(),
})
export type SingleIngestResponse = z.infer<typeof SingleIngestResponseSchema>

export const BatchIngestResponseSchema = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  errors: z.array(z.string()).nullable(),
})
export type BatchIngestResponse = z.infer<typeof BatchIngestResponseSchema>

export const QueueDepthSchema = z.object({ project_id: z.number().int(), queue_depth: z.number().int() })
export type QueueDepth = z.infer<typeof QueueDepthSchema>

/** A stored log as the API returns it. */
export const LogSchema = z.object({
  id: z.number().int(),
  project_id: z.number().int(),
  timestamp: z.string(),
  received_at: z.string(),
  level: z.enum(LEVELS),
  log_type: z.enum(LOG_TYPES),
  importance: z.enum(IMPORTANCES),
  message: z.string().nullable(),
  error_type: z.string().nullable(),
  error_message: z.string().nullable(),
  stack_trace: z.string().nullable(),
  environment: z.string().nullable(),
  release: z.string().nullable(),
  sdk_version: z.string().nullable(),
  platform: z.string().nullable(),
  platform_version: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()).nullable(),
})
export type Log = z.infer<typeof LogSchema>
