import { z } from 'zod'

/** `GET /health`: 200 `healthy`, or 503 `unhealthy` with a `detail` saying why (a full disk, a deleted database file). */
export const HealthSchema = z.object({ status: z.enum(['healthy', 'unhealthy']), detail: z.string().optional() })
export type Health = z.infer<typeof HealthSchema>

/** Which daemon answered (several may serve one URL behind a load balancer): stable for its process. */
export const InstanceSchema = z.object({
  /** `hostname:port` of the daemon that answered. */
  id: z.string(),
  hostname: z.string(),
  port: z.number().int(),
  pid: z.number().int(),
  started_at: z.string(),
})
export type Instance = z.infer<typeof InstanceSchema>

export const DeepHealthSchema = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  instance: InstanceSchema.optional(),
  services: z.record(z.string(), z.unknown()),
})
export type DeepHealth = z.infer<typeof DeepHealthSchema>
