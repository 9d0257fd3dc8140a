import Fastify, { type FastifyServerOptions, LogController } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { DaemonConfig } from './config.js'
import { registerAuth, type RouteInfo } from './http/plugins/auth.js'
import { clientErrorHandler, frameworkErrors } from './http/plugins/client-errors.js'
import { registerCompression } from './http/plugins/compression.js'
import { registerErrorHandling } from './http/plugins/errors.js'
import { registerSecurity } from './http/plugins/security.js'
import { registerNulGuard, registerStorageGate } from './http/plugins/storage.js'
import { LogSink } from './log-sink.js'
import { type App, registerZod } from './http/plugins/zod.js'
import { accountRoutes } from './http/routes/accounts.js'
import { adminRoutes } from './http/routes/admin.js'
import { apiKeyRoutes } from './http/routes/api-keys.js'
import { healthRoutes } from './http/routes/health.js'
import { ingestRoutes } from './http/routes/ingest.js'
import { logRoutes } from './http/routes/logs.js'
import { otlpRoutes } from './http/routes/otlp.js'
import { panelRoutes } from './http/routes/panels.js'
import { projectRoutes } from './http/routes/projects.js'
import { statsRoutes } from './http/routes/stats.js'
import { createServices, type Services } from './container.js'

/** What clients poll: logged at debug when it went well (see the onResponse hook). */
const ROUTINE_PATHS = new Set(['/health', '/health/deep', '/api/v1/stats/overview', '/api/v1/queue/depth'])

export const BODY_LIMIT = 10 * 1024 * 1024

export interface AppOptions {
  config: DaemonConfig
  /** Clock in epoch ms; tests inject one. */
  now?: () => number
  /** The daemon's version, as `GET /api/v1/stats/overview` reports it (default: package.json's). */
  version?: string
  /** Fastify logger options (pino); defaults to the config's level on stdout. */
  logger?: FastifyServerOptions['logger']
}

/**
 * Fastify's `trustProxy` from the config's. A number of hops is proxy-addr's (and Express's)
 * meaning: the nearest `n` hops are trusted whoever they are; Fastify 5 takes a bare number as
 * "trust nothing" (a hop count cannot tell the proxy from a client that connects directly), so
 * the count is given to it as a function, and the README says to use it only where nothing but
 * the proxies can reach the daemon.
 */
function trustProxyOption(t: DaemonConfig['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof t !== 'number') return t
  return t === 0 ? false : (_address: string, hop: number) => hop < t
}

/**
 * Builds the daemon's Fastify instance and its services. It never listens (server.ts does):
 * tests build it themselves. Closing the app stops the worker and closes the database.
 */
export async function buildApp(
  options: AppOptions,
): Promise<{ app: App; services: Services; routes: readonly RouteInfo[] }> {
  const { config } = options
  // The daemon's own log (stdout, daemon.log under `daemon start`): a destination that fails
  // (a full disk) drops lines and counts them, and never hangs or crashes the daemon.
  // Given a log file (`daemon start`: daemon.log), the sink owns it and rotates it by size.
  const sink =
    options.logger !== undefined
      ? undefined
      : config.logFile
        ? LogSink.toFile({ path: config.logFile, maxBytes: Math.round(config.logMaxMb * 1024 * 1024), keep: config.logFiles })
        : new LogSink(1)
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel, stream: sink },
    // Fastify's two lines per request are replaced by the one-line onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Slow clients must not hold connections open for ever.
    connectionTimeout: 60_000,
    requestTimeout: 60_000,
    keepAliveTimeout: 10_000,
    return503OnClosing: true,
    // Behind a load balancer: which hops' X-Forwarded-For / -Proto to believe (req.ip, req.protocol).
    // Off by default, so a client cannot pick the address the per-address throttles count it under.
    trustProxy: trustProxyOption(config.trustProxy),
    // What is refused before routing also answers `{"detail"}` (plugins/client-errors.ts).
    clientErrorHandler,
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>()

  // What is still buffered at exit gets one synchronous attempt (a start that fails included).
  const flushLog = () => sink?.flushSync()
  if (sink) process.on('exit', flushLog)
  // A damaged database stops the start here, with one line naming the file (see storage/).
  const services: Services = await createServices({ config, now: options.now, version: options.version, log: app.log })
  // Live tails never end by themselves: end them first, or closing the server waits for ever.
  app.addHook('preClose', async () => {
    services.tail.closeAll()
  })
  app.addHook('onClose', async () => {
    await services.close()
    flushLog()
    process.off('exit', flushLog)
  })

  // One line per request, after the response: method, path, status, time. Calls made with an
  // API key also count in its usage history.
  app.addHook('onResponse', async (req, reply) => {
    if (req.principal?.kind === 'key') {
      services.keyStats.recordCall(req.principal.keyId, {
        endpoint: req.routeOptions.url ?? req.url.split('?')[0]!,
        method: req.method,
        status_code: reply.statusCode,
        response_time: Math.round(reply.elapsedTime * 1000) / 1_000_000,
        created_at: services.ctx.now(),
      })
    }
    const url = req.url.split('?')[0]!
    // Routine polling that went well (`ledger top`, `queue --watch`, health checks: one request a
    // second or more) is logged at debug, so that the info log says what happened.
    const routine = req.method === 'GET' && reply.statusCode < 400 && ROUTINE_PATHS.has(url)
    req.log[routine ? 'debug' : 'info'](
      { method: req.method, url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      `${req.method} ${url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`,
    )
  })

  registerZod(app)
  registerErrorHandling(app)
  registerSecurity(app, { host: config.host, allowedHosts: config.allowedHosts })
  const routes: RouteInfo[] = []
  registerAuth(app, services, routes)
  registerStorageGate(app, services.storage.health)
  registerNulGuard(app)
  registerCompression(app)

  healthRoutes(app, services, sink)
  accountRoutes(app, services)
  projectRoutes(app, services)
  apiKeyRoutes(app, services)
  panelRoutes(app, services)
  ingestRoutes(app, services)
  otlpRoutes(app, services)
  logRoutes(app, services)
  statsRoutes(app, services)
  adminRoutes(app, services)

  await services.start()
  await app.ready()
  return { app, services, routes }
}
