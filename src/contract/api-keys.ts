import { z } from 'zod'
import { idParam } from './common.js'

const keyName = () =>
  z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(255, { message: 'must be at most 255 characters' })
const keyDescription = () => z.string().max(1000, { message: 'must be at most 1000 characters' }).nullable()

/** What a key may do: send logs (and read queue depth), read logs, use panels. */
export const SCOPES = ['ingest', 'read', 'panels'] as const
export type Scope = (typeof SCOPES)[number]

export const CreateApiKeyRequestSchema = z.object({
  name: keyName(),
  description: keyDescription().optional(),
  scopes: z
    .array(z.enum(SCOPES))
    .min(1, { message: 'must name at least one scope' })
    .transform((s) => [...new Set(s)])
    .optional(),
  expires_in_days: z
    .number()
    .int({ message: 'must be a whole number of days' })
    .min(1, { message: 'must be at least 1' })
    .max(3650, { message: 'must be at most 3650' })
    .optional(),
})
export type CreateApiKeyRequest = z.input<typeof CreateApiKeyRequestSchema>

export const CreatedApiKeySchema = z.object({
  key_id: z.number().int(),
  full_key: z.string(),
  key_prefix: z.string(),
  warning: z.string(),
})
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>

export const ProjectIdParamsSchema = z.object({ project_id: idParam('project_id') })
export const KeyIdParamsSchema = z.object({ key_id: idParam('key_id') })

/** `page` from 1, `size` 1–100 (default 10). */
export const PageQuerySchema = z.object({
  page: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, { message: 'must be a positive integer' })
    .transform(Number)
    .default(1),
  size: z
    .string()
    .regex(/^[0-9]{1,3}$/, { message: 'must be an integer from 1 to 100' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100, { message: 'must be an integer from 1 to 100' })
    .default(10),
})

export const ApiKeySchema = z.object({
  id: z.number().int(),
  project_id: z.number().int(),
  name: z.string(),
  description: z.string().nullable(),
  key_prefix: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  is_active: z.boolean(),
  revoked: z.boolean(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used: z.string().nullable(),
  usage_count: z.number().int(),
})
export type ApiKey = z.infer<typeof ApiKeySchema>

export const ApiKeyListSchema = z.object({
  api_keys: z.array(ApiKeySchema),
  total: z.number().int(),
  page: z.number().int(),
  size: z.number().int(),
})
export type ApiKeyList = z.infer<typeof ApiKeyListSchema>

export const KeyUsageSchema = z.object({
  id: z.number().int(),
  endpoint: z.string(),
  method: z.string(),
  status_code: z.number().int(),
  response_time: z.number(),
  created_at: z.string(),
})

export const ApiKeyDetailSchema = ApiKeySchema.extend({ usage: z.array(KeyUsageSchema) })
export type ApiKeyDetail = z.infer<typeof ApiKeyDetailSchema>

export const UpdateApiKeyRequestSchema = z
  .object({
    name: keyName().optional(),
    description: keyDescription().optional(),
    is_active: z.boolean().optional(),
  })
  .strict()
export type UpdateApiKeyRequest = z.input<typeof UpdateApiKeyRequestSchema>

export const LIMIT_MAX = 1_000_000
/**
 * The longest a full bucket may take to refill (or a fixed window may last), in seconds: a
 * year. Slower rates (`tokens_per_second: 1e-300`) would put waits of 10^300 seconds, which
 * are no integers on the wire, in `Retry-After` and `X-RateLimit-Reset`.
 */
export const LIMIT_MAX_WINDOW_SECONDS = 365 * 86_400

/** Custom limits of a key (in snake_case). */
export const LimitsRequestSchema = z
  .object({
    algorithm: z.enum(['token_bucket', 'fixed_window']),
    tokens_per_second: z
      .number()
      .positive({ message: 'must be a positive number' })
      .max(LIMIT_MAX, { message: `must be at most ${LIMIT_MAX}` }),
    burst_capacity: z
      .number()
      .int({ message: 'must be an integer' })
      .positive({ message: 'must be a positive integer' })
      .max(LIMIT_MAX, { message: `must be at most ${LIMIT_MAX}` }),
  })
  .strict()
  .refine((l) => l.burst_capacity / l.tokens_per_second <= LIMIT_MAX_WINDOW_SECONDS, {
    path: ['tokens_per_second'],
    message: `must be at least burst_capacity / ${LIMIT_MAX_WINDOW_SECONDS}: a full bucket (or a fixed window) may last at most a year`,
  })
export type LimitsRequest = z.input<typeof LimitsRequestSchema>

export const LimitsSchema = z.object({
  algorithm: z.enum(['token_bucket', 'fixed_window']),
  tokens_per_second: z.number(),
  burst_capacity: z.number().int(),
  hourly_limit: z.number().int().optional(),
  is_default: z.boolean(),
})
export type Limits = z.infer<typeof LimitsSchema>

export const CheckRequestSchema = z.object({
  api_key: z.string({ message: 'must be a string' }),
  cost: z
    .number()
    .int({ message: 'must be a positive integer' })
    .positive({ message: 'must be a positive integer' })
    .optional(),
})
export type CheckRequest = z.input<typeof CheckRequestSchema>

export const CheckResponseSchema = z.object({
  allowed: z.boolean(),
  remaining_tokens: z.number().int(),
  limit: z.number().int(),
  reset_in_seconds: z.number().int(),
})
export type CheckResponse = z.infer<typeof CheckResponseSchema>

export const MetricsQuerySchema = z.object({
  from: z.string({ message: 'is required (ISO 8601)' }),
  to: z.string({ message: 'is required (ISO 8601)' }),
})

export const MetricsSchema = z.object({
  allowed_count: z.number().int(),
  throttled_count: z.number().int(),
  time_series: z.array(
    z.object({ timestamp: z.string(), allowed: z.number().int(), throttled: z.number().int() }),
  ),
})
export type Metrics = z.infer<typeof MetricsSchema>

export const DashboardStatsSchema = z.object({
  active_api_keys: z.number().int(),
  total_api_calls: z.number().int(),
  api_usage: z.object({ success_rate: z.number(), avg_response_time: z.number() }),
  api_keys: z.array(ApiKeySchema),
})
export type DashboardStats = z.infer<typeof DashboardStatsSchema>
