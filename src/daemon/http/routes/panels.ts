import { SuccessSchema } from '../../../contract/common.js'
import {
  PanelDataQuerySchema,
  PanelDataSchema,
  PanelIdParamsSchema,
  PanelInputSchema,
  PanelListSchema,
  PanelSchema,
} from '../../../contract/panels.js'
import { accountOf } from '../plugins/auth.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../../container.js'

// Panels take an API key or an access token; either resolves to the owning account.
export function panelRoutes(app: App, { panels }: Services): void {
  const auth = { auth: 'account_or_key' as const, scope: 'panels' as const }

  app.get(
    '/api/v1/dashboard/panels',
    { config: auth, schema: { response: { 200: PanelListSchema } } },
    async (req) => panels.list(accountOf(req)),
  )

  app.post(
    '/api/v1/dashboard/panels',
    { config: auth, schema: { body: PanelInputSchema, response: { 201: PanelSchema } } },
    async (req, reply) => reply.code(201).send(await panels.create(accountOf(req), req.body)),
  )

  app.put(
    '/api/v1/dashboard/panels/:panel_id',
    {
      config: auth,
      schema: { params: PanelIdParamsSchema, body: PanelInputSchema, response: { 200: PanelSchema } },
    },
    async (req) => panels.update(accountOf(req), req.params.panel_id, req.body),
  )

  app.get(
    '/api/v1/dashboard/panels/:panel_id/data',
    {
      config: auth,
      schema: { params: PanelIdParamsSchema, querystring: PanelDataQuerySchema, response: { 200: PanelDataSchema } },
    },
    async (req) => panels.data(accountOf(req), req.params.panel_id, req.query),
  )

  app.delete(
    '/api/v1/dashboard/panels/:panel_id',
    { config: auth, schema: { params: PanelIdParamsSchema, response: { 200: SuccessSchema } } },
    async (req) => panels.delete(accountOf(req), req.params.panel_id),
  )
}
