import { z } from 'zod'
import { timestampString } from './common.js'
import { LogSchema } from './ingest.js'
import { pageQueryShape } from './logs.js'

export const PANEL_TYPES = ['logs', 'errors', 'metrics'] as const

export const PanelInputSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(255, { message: 'must be at most 255 characters' }),
  index: z.number().int({ message: 'must be an integer' }).min(0, { message: 'must be >= 0' }),
  project_id: z.string().trim().min(1, { message: 'must not be empty' }),
  time_range_from: timestampString(),
  time_range_to: timestampString(),
  type: z.enum(PANEL_TYPES),
})
export type PanelInput = z.input<typeof PanelInputSchema>

export const PanelSchema = z.object({
  id: z.string(),
  name: z.string(),
  index: z.number().int(),
  project_id: z.string(),
  time_range_from: z.string(),
  time_range_to: z.string(),
  type: z.enum(PANEL_TYPES),
})
export type Panel = z.infer<typeof PanelSchema>

export const PanelListSchema = z.object({ panels: z.array(PanelSchema), total: z.number().int() })
export type PanelList = z.infer<typeof PanelListSchema>

export const PanelIdParamsSchema = z.object({ panel_id: z.string() })

/** Bucket sizes of `errors` and `metrics` panel data, in ms. */
export const BUCKET_SIZES = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '6h': 21_600_000,
  '1d': 86_400_000,
} as const
export type BucketSize = keyof typeof BUCKET_SIZES
const BUCKET_NAMES = Object.keys(BUCKET_SIZES) as [BucketSize, ...BucketSize[]]

export const PanelDataQuerySchema = z.object({
  bucket: z
    .enum(BUCKET_NAMES, {
      message: `must be one of ${BUCKET_NAMES.join(', ')} (or left out, for the daemon to choose)`,
    })
    .optional(),
  ...pageQueryShape,
})
export type PanelDataQuery = z.input<typeof PanelDataQuerySchema>

const count = z.number().int()
const ErrorCountsSchema = z.object({ error: count, critical: count })
const LevelCountsSchema = z.object({
  debug: count,
  info: count,
  warning: count,
  error: count,
  critical: count,
  total: count,
})

/** Shared by the bucketed panel types: the bucket and where the series starts. */
const bucketed = {
  panel: PanelSchema,
  bucket: z.enum(BUCKET_NAMES),
  bucket_seconds: z.number().int(),
}

/** `GET /api/v1/dashboard/panels/{panel_id}/data`: what the panel shows over its time range. */
export const PanelDataSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('logs'),
    panel: PanelSchema,
    logs: z.array(LogSchema),
    next_cursor: z.string().nullable(),
  }),
  z.object({
    type: z.literal('errors'),
    ...bucketed,
    series: z.array(ErrorCountsSchema.extend({ timestamp: z.string() })),
    totals: ErrorCountsSchema,
  }),
  z.object({
    type: z.literal('metrics'),
    ...bucketed,
    series: z.array(LevelCountsSchema.extend({ timestamp: z.string() })),
    totals: LevelCountsSchema,
  }),
])
export type PanelData = z.infer<typeof PanelDataSchema>
