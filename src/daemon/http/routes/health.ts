import { DeepHealthSchema, HealthSchema } from '../../../contract/health.js'
import type { App } from '../plugins/zod.js'
import { deepHealth } from '../../services/health.js'
import type { LogSinkStatus } from '../../log-sink.js'
import type { Services } from '../../container.js'

export function healthRoutes(app: App, services: Services, log?: { status: LogSinkStatus }): void {
  // 503 with the reason when storage cannot keep what it acknowledges (a full disk, a deleted
  // database file): a supervisor or load balancer acts on the status alone.
  app.get(
    '/health',
    { config: { auth: 'none' }, schema: { response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_req, reply) => {
      const problem = services.storage.health.problem()
      if (!problem) return { status: 'healthy' as const }
      return reply.code(503).send({ status: 'unhealthy' as const, detail: problem.detail })
    },
  )
  app.get(
    '/health/deep',
    { config: { auth: 'none' }, schema: { response: { 200: DeepHealthSchema } } },
    // The port the request came in on is the one this daemon listens on.
    async (req) => deepHealth(services, log?.status, req.socket.localPort),
  )
}
