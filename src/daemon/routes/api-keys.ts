import {
  CreateApiKeyRequestSchema,
  CreatedApiKeySchema,
  KeyIdParamsSchema,
  ProjectIdParamsSchema,
} from '../../contract/api-keys.js'
import { SuccessSchema } from '../../contract/common.js'
import { accountOf } from '../plugins/auth.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../services/index.js'

export function apiKeyRoutes(app: App, { apiKeys }: Services): void {
  app.post(
    '/api/v1/projects/:project_id/api-keys',
    {
      config: { auth: 'account' },
      schema: {
        params: ProjectIdParamsSchema,
        body: CreateApiKeyRequestSchema,
        response: { 201: CreatedApiKeySchema },
      },
    },
    async (req, reply) =>
      reply.code(201).send(apiKeys.create(accountOf(req), req.params.project_id, req.body)),
  )

  app.delete(
    '/api/v1/api-keys/:key_id',
    { config: { auth: 'account' }, schema: { params: KeyIdParamsSchema, response: { 200: SuccessSchema } } },
    async (req) => apiKeys.revoke(accountOf(req), req.params.key_id),
  )
}
