import { OverviewQuerySchema, OverviewSchema } from '../../../contract/stats.js'
import { accountOf } from '../plugins/auth.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../../container.js'

/** Live figures for `ledger top`: one request a second gives the whole screen. */
export function statsRoutes(app: App, { stats }: Services): void {
  app.get(
    '/api/v1/stats/overview',
    { config: { auth: 'account' }, schema: { querystring: OverviewQuerySchema, response: { 200: OverviewSchema } } },
    async (req) => stats.overview(accountOf(req), req.query, req.socket.localPort),
  )
}
