import { z } from 'zod'

export const ENVIRONMENTS = ['production', 'staging', 'dev'] as const

export const SlugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, { message: 'must not be empty' })
  .max(255, { message: 'must be at most 255 characters' })
  .regex(/^[a-z0-9-]+$/, { message: 'must contain only lowercase letters, digits and hyphens' })

export const CreateProjectRequestSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(255, { message: 'must be at most 255 characters' }),
  slug: SlugSchema,
  environment: z.enum(ENVIRONMENTS).default('production'),
})
export type CreateProjectRequest = z.input<typeof CreateProjectRequestSchema>

export const ProjectSchema = z.object({
  project_id: z.number().int(),
  name: z.string(),
  slug: z.string(),
  environment: z.string(),
  retention_days: z.number().int(),
  daily_quota: z.number().int(),
})
export type Project = z.infer<typeof ProjectSchema>

export const ProjectListSchema = z.object({ projects: z.array(ProjectSchema), total: z.number().int() })
export type ProjectList = z.infer<typeof ProjectListSchema>

export const ProjectSlugParamsSchema = z.object({ project_slug: z.string() })

/** `PATCH /api/v1/projects/{slug}`: Ledger's own addition, to change retention and quota. */
export const UpdateProjectRequestSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, { message: 'must not be empty' })
      .max(255, { message: 'must be at most 255 characters' })
      .optional(),
    environment: z.enum(ENVIRONMENTS).optional(),
    retention_days: z.number().int({ message: 'must be an integer' }).min(1).max(3650).optional(),
    daily_quota: z.number().int({ message: 'must be an integer' }).min(1).max(1_000_000_000).optional(),
  })
  .strict()
export type UpdateProjectRequest = z.input<typeof UpdateProjectRequestSchema>
