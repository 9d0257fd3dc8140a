import { z } from 'zod'
import { timestampString } from './common.js'

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
