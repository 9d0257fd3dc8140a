import { z } from 'zod'

export const HealthSchema = z.object({ status: z.literal('healthy') })
export type Health = z.infer<typeof HealthSchema>

export const DeepHealthSchema = z.object({
  status: z.enum(['healthy', 'degraded']),
  services: z.record(z.string(), z.unknown()),
})
export type DeepHealth = z.infer<typeof DeepHealthSchema>
