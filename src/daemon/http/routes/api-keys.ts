import {
  ApiKeyDetailSchema,
  ApiKeyListSchema,
  ApiKeySchema,
  CheckRequestSchema,
  CheckResponseSchema,
  CreateApiKeyRequestSchema,
  CreatedApiKeySchema,
  DashboardStatsSchema,
  KeyIdParamsSchema,
  LimitsRequestSchema,
  LimitsSchema,
  MetricsQuerySchema,
  MetricsSchema,
  PageQuerySchema,
  ProjectIdParamsSchema,
  UpdateApiKeyRequestSchema,
} from '../../../contract/api-keys.js'
import { SuccessSchema } from '../../../contract/common.js'
import { accountOf } from '../plugins/auth.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../../container.js'

export function apiKeyRoutes(app: App, { apiKeys }: Services): void {
  const account = { auth: 'account' as const }

  app.post(
    '/api/v1/projects/:project_id/api-keys',
    {
      config: account,
      schema: {
        params: ProjectIdParamsSchema,
        body: CreateApiKeyRequestSchema,
        response: { 201: CreatedApiKeySchema },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await apiKeys.create(accountOf(req), req.params.project_id, req.body)),
  )

  app.get(
    '/api/v1/projects/:project_id/api-keys',
    {
      config: account,
      schema: {
        params: ProjectIdParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: ApiKeyListSchema },
      },
    },
    async (req) =>
      apiKeys.list({ projectId: req.params.project_id }, req.query.page, req.query.size, accountOf(req)),
  )

  app.get(
    '/api/v1/api-keys',
    { config: account, schema: { querystring: PageQuerySchema, response: { 200: ApiKeyListSchema } } },
    async (req) => apiKeys.list({ accountId: accountOf(req) }, req.query.page, req.query.size),
  )

  app.get(
    '/api/v1/api-keys/:key_id',
    { config: account, schema: { params: KeyIdParamsSchema, response: { 200: ApiKeyDetailSchema } } },
    async (req) => apiKeys.get(accountOf(req), req.params.key_id),
  )

  app.put(
    '/api/v1/api-keys/:key_id',
    {
      config: account,
      schema: { params: KeyIdParamsSchema, body: UpdateApiKeyRequestSchema, response: { 200: ApiKeySchema } },
    },
    async (req) => apiKeys.update(accountOf(req), req.params.key_id, req.body),
  )

  app.delete(
    '/api/v1/api-keys/:key_id',
    { config: account, schema: { params: KeyIdParamsSchema, response: { 200: SuccessSchema } } },
    async (req) => apiKeys.revoke(accountOf(req), req.params.key_id),
  )

  app.get(
    '/api/v1/api-keys/:key_id/limits',
    { config: account, schema: { params: KeyIdParamsSchema, response: { 200: LimitsSchema } } },
    async (req) => apiKeys.limits(accountOf(req), req.params.key_id),
  )

  app.put(
    '/api/v1/api-keys/:key_id/limits',
    {
      config: account,
      schema: { params: KeyIdParamsSchema, body: LimitsRequestSchema, response: { 200: LimitsSchema } },
    },
    async (req) => apiKeys.setLimits(accountOf(req), req.params.key_id, req.body),
  )

  app.get(
    '/api/v1/api-keys/:key_id/metrics',
    {
      config: account,
      schema: {
        params: KeyIdParamsSchema,
        querystring: MetricsQuerySchema,
        response: { 200: MetricsSchema },
      },
    },
    async (req) => apiKeys.metrics(accountOf(req), req.params.key_id, req.query.from, req.query.to),
  )

  app.get(
    '/api/v1/dashboard/stats',
    { config: account, schema: { response: { 200: DashboardStatsSchema } } },
    async (req) => apiKeys.dashboard(accountOf(req)),
  )

  // Seed 002's runtime check: the body's key is the credential, so no header is needed.
  app.post(
    '/api/v1/check',
    {
      config: { auth: 'none' },
      schema: { body: CheckRequestSchema, response: { 200: CheckResponseSchema, 429: CheckResponseSchema } },
    },
    async (req, reply) => {
      const r = await apiKeys.check(req.body)
      if (!r.allowed) reply.header('retry-after', r.retryAfter)
      return reply.code(r.allowed ? 200 : 429).send(r.body)
    },
  )
}
