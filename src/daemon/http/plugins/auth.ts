import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { forbidden, rateLimited, unauthorized } from '../../services/errors.js'
import type { Scope } from '../../../contract/api-keys.js'
import { looksLikeApiKey } from '../../../contract/api-key-format.js'
import type { KeyPrincipal, Principal } from '../../services/principal.js'
import type { Services } from '../../container.js'

/**
 * Which credential a route accepts. Every route must say (deny by default):
 * - `none`: public; `account`: an access token; `api_key`: a project API key;
 * - `account_or_key`: either (panels), resolved to the owning account;
 * - `admin`: `X-Admin-Token` equal to the configured admin token (none configured → 401).
 */
export type AuthMode = 'none' | 'account' | 'api_key' | 'account_or_key' | 'admin'

export type { Principal } from '../../services/principal.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode
    /** The scope an API key needs for this route; access tokens need none. */
    scope?: Scope
  }
  interface FastifyRequest {
    principal: Principal | null
    /** `CredentialEvents.epoch` when the principal was checked. */
    credentialEpoch: number
  }
}

/** The credential a request carries: `Authorization: Bearer …` or `X-API-Key`. */
function credentialOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
    return m ? m[1]! : null
  }
  const key = req.headers['x-api-key']
  return typeof key === 'string' && key.length > 0 ? key.trim() : null
}


/** The principal of an account route's request (set by the auth hook). */
export function accountOf(req: FastifyRequest): number {
  const p = req.principal
  if (!p) throw unauthorized()
  return p.accountId
}

/** The key principal of an API-key route's request (set by the auth hook). */
export function keyOf(req: FastifyRequest): KeyPrincipal {
  const p = req.principal
  if (p?.kind !== 'key') throw unauthorized()
  return p
}

/** A registered route and the credential it accepts (the route inventory). */
export interface RouteInfo {
  method: string
  url: string
  auth: AuthMode
  scope?: Scope
}

/**
 * Registers the authentication hook and the rate limit that goes with API keys. Every route
 * must declare its auth mode (deny by default); each is recorded into `inventory`.
 */
export function registerAuth(app: FastifyInstance, services: Services, inventory: RouteInfo[] = []): void {
  app.decorateRequest('principal', null)
  app.decorateRequest('credentialEpoch', 0)

  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth
    if (!auth) throw new Error(`route ${route.method} ${route.url} declares no auth mode`)
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') inventory.push({ method, url: route.url, auth, scope: route.config?.scope })
    }
  })

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const mode = req.routeOptions.config.auth
    if (mode === 'none' || mode === undefined) return
    if (mode === 'admin') {
      checkAdminToken(services.ctx.config.adminToken, req.headers['x-admin-token'])
      return
    }
    const credential = credentialOf(req)
    if (!credential) throw unauthorized('Not authenticated: send Authorization: Bearer <credential>')

    if (looksLikeApiKey(credential)) {
      if (mode === 'account') throw unauthorized('This endpoint needs an access token, not an API key')
      // Before the lookup: a change announced while it runs makes preHandler look again.
      const epoch = services.credentials.epoch
      const key = await authenticateKey(services, credential)
      if (!key) throw unauthorized('Invalid API key')
      if (services.apiKeys.isExpired(key)) throw unauthorized('API key has expired')
      req.principal = { kind: 'key', ...key }
      req.credentialEpoch = epoch
      await applyRateLimit(services, key.keyId, reply)
      const scope = req.routeOptions.config.scope
      if (scope && !key.scopes.includes(scope)) {
        throw forbidden(`This API key lacks the '${scope}' scope (it has: ${key.scopes.join(', ')})`)
      }
      return
    }

    if (mode === 'api_key') throw unauthorized('This endpoint needs an API key, not an access token')
    const epoch = services.credentials.epoch
    const claims = await services.accounts.authenticate(credential)
    if (!claims) throw unauthorized('Invalid or expired access token')
    req.principal = { kind: 'account', accountId: claims.accountId, claims }
    req.credentialEpoch = epoch
  })

  // A body can take a while to arrive (up to the request timeout): a credential revoked
  // meanwhile is refused before the handler acts on it. Checked again only when some
  // credential changed since (CredentialEvents.epoch), so it costs nothing otherwise.
  app.addHook('preHandler', async (req: FastifyRequest) => {
    const p = req.principal
    if (!p || req.credentialEpoch === services.credentials.epoch) return
    const credential = credentialOf(req)
    if (!credential) throw unauthorized()
    const epoch = services.credentials.epoch
    if (p.kind === 'key') {
      const key = await services.apiKeys.authenticate(credential)
      if (!key || services.apiKeys.isExpired(key)) throw unauthorized('This API key was revoked or disabled')
      const scope = req.routeOptions.config.scope
      if (scope && !key.scopes.includes(scope)) {
        throw forbidden(`This API key lacks the '${scope}' scope (it has: ${key.scopes.join(', ')})`)
      }
    } else if (!(await services.accounts.authenticate(credential))) {
      throw unauthorized('This access token was revoked')
    }
    req.credentialEpoch = epoch
  })
}

/** A key's principal: from memory when it was looked up before (every ingest request), else from storage. */
function authenticateKey(services: Services, credential: string): KeyPrincipal | null | Promise<KeyPrincipal | null> {
  const cached = services.apiKeys.cachedKey(credential)
  return cached !== undefined ? cached : services.apiKeys.authenticate(credential)
}

function checkAdminToken(configured: string | undefined, sent: string | string[] | undefined): void {
  if (!configured)
    throw unauthorized('Admin endpoints are disabled: no admin token is configured (LEDGER_ADMIN_TOKEN)')
  if (typeof sent !== 'string' || sent.length === 0)
    throw unauthorized('Send the admin token in X-Admin-Token')
  // Compare digests: equal length, so timingSafeEqual never leaks the token's length either.
  const a = createHash('sha256').update(sent).digest()
  const b = createHash('sha256').update(configured).digest()
  if (!timingSafeEqual(a, b)) throw unauthorized('Invalid admin token')
}

async function applyRateLimit(services: Services, keyId: number, reply: FastifyReply): Promise<void> {
  const now = services.ctx.now()
  const d = await services.limiter.check(keyId, now)
  services.keyStats.recordDecision(keyId, now, d.allowed)
  reply.header('x-ratelimit-limit', d.limit)
  reply.header('x-ratelimit-remaining', d.remaining)
  reply.header('x-ratelimit-reset', d.reset)
  if (!d.allowed) {
    throw rateLimited(`Rate limit exceeded: ${d.label}`, d.retryAfter)
  }
}
