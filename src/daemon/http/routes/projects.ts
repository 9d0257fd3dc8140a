import {
  CreateProjectRequestSchema,
  ProjectListSchema,
  ProjectSchema,
  ProjectSlugParamsSchema,
  UpdateProjectRequestSchema,
} from '../../../contract/projects.js'
import { ProjectIdParamsSchema } from '../../../contract/api-keys.js'
import { accountOf } from '../plugins/auth.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../../container.js'

export function projectRoutes(app: App, { projects }: Services): void {
  app.post(
    '/api/v1/projects',
    {
      config: { auth: 'account' },
      schema: { body: CreateProjectRequestSchema, response: { 201: ProjectSchema } },
    },
    async (req, reply) => reply.code(201).send(await projects.create(accountOf(req), req.body)),
  )

  app.get(
    '/api/v1/projects',
    { config: { auth: 'account' }, schema: { response: { 200: ProjectListSchema } } },
    async (req) => projects.list(accountOf(req)),
  )

  app.get(
    '/api/v1/projects/:project_slug',
    {
      config: { auth: 'account' },
      schema: { params: ProjectSlugParamsSchema, response: { 200: ProjectSchema } },
    },
    async (req) => projects.getBySlug(accountOf(req), req.params.project_slug),
  )

  app.delete(
    '/api/v1/projects/:project_id',
    { config: { auth: 'account' }, schema: { params: ProjectIdParamsSchema } },
    async (req, reply) => {
      await projects.delete(accountOf(req), req.params.project_id)
      return reply.code(204).send()
    },
  )

  app.patch(
    '/api/v1/projects/:project_slug',
    {
      config: { auth: 'account' },
      schema: {
        params: ProjectSlugParamsSchema,
        body: UpdateProjectRequestSchema,
        response: { 200: ProjectSchema },
      },
    },
    async (req) => projects.update(accountOf(req), req.params.project_slug, req.body),
  )
}
