import { z } from 'zod'
import { idParam } from './common.js'

export const CreateApiKeyRequestSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(255, { message: 'must be at most 255 characters' }),
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
