import { LogPageSchema, LogQuerySchema, TailQuerySchema } from '../../../contract/logs.js'
import { unauthorized } from '../../services/errors.js'
import type { Principal } from '../../services/principal.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../../container.js'
import { lastEventIdOf, type TailHolder } from '../../services/tail.js'
import { streamTail } from '../sse.js'

export function logRoutes(app: App, { ctx, logs, tail }: Services): void {
  const auth = { auth: 'account_or_key' as const, scope: 'read' as const }

  app.get(
    '/api/v1/logs',
    { config: auth, schema: { querystring: LogQuerySchema, response: { 200: LogPageSchema } } },
    async (req) => {
      if (!req.principal) throw unauthorized()
      return logs.list(await logs.projectFor(req.principal, req.query.project_id), req.query)
    },
  )

  // Server-sent events (text/event-stream): no JSON response schema.
  app.get('/api/v1/logs/tail', { config: auth, schema: { querystring: TailQuerySchema } }, async (req, reply) => {
    if (!req.principal) throw unauthorized()
    const projectId = await logs.projectFor(req.principal, req.query.project_id)
    const sub = await tail.open(
      holderOf(req.principal),
      projectId,
      req.query,
      lastEventIdOf(req.headers['last-event-id'], req.query.last_event_id),
    )
    streamTail(reply, sub, { heartbeatMs: ctx.config.tailHeartbeatMs, stallMs: ctx.config.tailStallMs })
  })
}

/** What a tail holds open: its credential, with what can end it. */
function holderOf(p: Principal): TailHolder {
  return p.kind === 'key'
    ? { kind: 'key', keyId: p.keyId, accountId: p.accountId, expiresAt: p.expiresAt }
    : { kind: 'account', accountId: p.accountId, familyId: p.claims.familyId, expiresAt: p.claims.exp * 1000 }
}
