import type { FastifyInstance } from 'fastify'
import { ApiError } from '../api-error.js'

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])
const WILDCARD = new Set(['0.0.0.0', '::', '[::]'])

// A whole Host header: a name or an IPv4 address, or an IPv6 address in brackets, then an
// optional port. Anything more (`127.0.0.1:8000@evil.com`, `[::1]evil.com`, `localhost:8000,
// evil.com`, a space) is not a Host at all.
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::([0-9]{1,5}))?$/

/** The host part of a Host header (`[::1]:8000` → `[::1]`), or null when it is malformed. */
function hostname(hostHeader: string): string | null {
  const m = HOST_HEADER.exec(hostHeader.toLowerCase())
  if (!m) return null
  const port = m[2] === undefined ? null : Number(m[2])
  if (port !== null && (port < 1 || port > 65535)) return null
  return m[1]!
}

/**
 * Protections of a daemon that listens on the user's machine:
 * - the `Host` must be exactly a loopback name or the configured bind address, with an
 *   optional port, else 403: a web page cannot reach the API through DNS rebinding (Ollama's
 *   CVE-2024-28224). The port is not compared with the daemon's: a browser sends the port of
 *   the page's own URL, so it tells nothing, and SSH tunnels and port forwards keep working.
 *   Bound to a wildcard address (an explicit choice), any Host is accepted.
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
    const name = host === undefined ? null : hostname(host)
    if (!anyHost && (name === null || !allowed.has(name))) {
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
