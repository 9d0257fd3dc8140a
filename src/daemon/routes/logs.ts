import { LogPageSchema, LogQuerySchema } from '../../contract/logs.js'
import { unauthorized } from '../errors.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../services/index.js'

export function logRoutes(app: App, { logs }: Services): void {
  app.get(
    '/api/v1/logs',
    {
      config: { auth: 'account_or_key', scope: 'read' },
      schema: { querystring: LogQuerySchema, response: { 200: LogPageSchema } },
    },
    async (req) => {
      if (!req.principal) throw unauthorized()
      return logs.list(logs.projectFor(req.principal, req.query.project_id), req.query)
    },
  )
}
