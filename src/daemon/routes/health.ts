import { DeepHealthSchema, HealthSchema } from '../../contract/health.js'
import type { App } from '../plugins/zod.js'
import { deepHealth } from '../services/health.js'
import type { Services } from '../services/index.js'

export function healthRoutes(app: App, services: Services): void {
  app.get('/health', { config: { auth: 'none' }, schema: { response: { 200: HealthSchema } } }, async () => ({
    status: 'healthy' as const,
  }))
  app.get(
    '/health/deep',
    { config: { auth: 'none' }, schema: { response: { 200: DeepHealthSchema } } },
    async () => deepHealth(services),
  )
}
