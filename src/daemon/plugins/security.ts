import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors.js'

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])
const WILDCARD = new Set(['0.0.0.0', '::', '[::]'])

/** The host part of a Host header (`[::1]:8000` → `[::1]`, `localhost:8000` → `localhost`). */
function hostname(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  const colon = h.lastIndexOf(':')
  return colon > 0 ? h.slice(0, colon) : h
}

/**
 * Protections of a daemon that listens on the user's machine:
 * - the `Host` must be a loopback name or the configured bind address, else 403: a web page
 *   cannot reach the API through DNS rebinding (Ollama's CVE-2024-28224). Bound to a wildcard
 *   address (an explicit choice), any Host is accepted.
 * - a request with an `Origin` must come from the daemon's own origin, else 403: browsers get
 *   no CORS headers from Ledger, and cross-site requests are refused outright. Requests without
 *   an Origin (the CLI, curl, scripts) are not affected.
 */
export function registerSecurity(app: FastifyInstance, bindHost: string): void {
  const allowed = new Set(LOOPBACK_NAMES)
  allowed.add(bindHost.toLowerCase())
  if (bindHost.includes(':') && !bindHost.startsWith('[')) allowed.add(`[${bindHost.toLowerCase()}]`)
  const anyHost = WILDCARD.has(bindHost)

  app.addHook('onRequest', async (req) => {
    const host = req.headers.host
    if (!anyHost && (!host || !allowed.has(hostname(host)))) {
      throw new ApiError(403, `Host '${host ?? ''}' is not allowed: use a loopback address such as 127.0.0.1`)
    }
    const origin = req.headers.origin
    if (origin !== undefined) {
      let sameOrigin = false
      try {
        const u = new URL(origin)
        sameOrigin = u.protocol === 'http:' && u.host === host?.toLowerCase()
      } catch {
        sameOrigin = false
      }
      if (!sameOrigin) throw new ApiError(403, `Cross-origin requests are not allowed (Origin: ${origin})`)
    }
  })
}
