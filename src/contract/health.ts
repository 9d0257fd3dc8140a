import { z } from 'zod'

/** `GET /health`: 200 `healthy`, or 503 `unhealthy` with a `detail` saying why (a full disk, a deleted database file). */
export const HealthSchema = z.object({ status: z.enum(['healthy', 'unhealthy']), detail: z.string().optional() })
export type Health = z.infer<typeof HealthSchema>

export const DeepHealthSchema = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  services: z.record(z.string(), z.unknown()),
})
export type DeepHealth = z.infer<typeof DeepHealthSchema>
