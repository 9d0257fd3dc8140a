import type { FastifyInstance } from 'fastify'
import { isIpLiteral, parseHost } from '../../../shared/host-header.js'
import { ApiError } from '../api-error.js'

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1', '[::1]']
const WILDCARD = new Set(['0.0.0.0', '::', '[::]'])

/** Where the daemon listens and which Host headers it answers (`--host`, `--allowed-hosts`). */
export interface HostPolicy {
  /** The bind address. */
  host: string
  /** More names the daemon is reached by: `name` (any port) or `name:port` (that port only). */
  allowedHosts: readonly string[]
}

/**
 * Protections of a daemon reached through a browser-accessible address:
 * - the `Host` must be a loopback name, the configured bind address, or one of the allowed
 *   hosts, else 403: a web page cannot reach the API through DNS rebinding (Ollama's
 *   CVE-2024-28224), which needs a DNS name of the attacker's in the Host. Bound to a wildcard
 *   address (`--host 0.0.0.0`), an IP address in the Host is accepted too (the page would be
 *   the daemon's own origin, so rebinding is not possible through it), but a name still has to
 *   be listed. A Host's port is not compared with the daemon's unless the allowed host names
 *   one: a browser sends the port of the page's own URL, and SSH tunnels, port forwards and
 *   load balancers change it. The Host header itself is read, never `X-Forwarded-Host`.
 * - a request with an `Origin` must come from the daemon's own origin (the Host it was sent to,
 *   by the scheme the request came in on: `https` behind a trusted proxy that says so), else
 *   403: browsers get no CORS headers from Ledger, and cross-site requests are refused
 *   outright. Requests without an Origin (the CLI, curl, scripts) are not affected.
 */
export function registerSecurity(app: FastifyInstance, policy: HostPolicy): void {
  const bind = policy.host.toLowerCase()
  const anyPort = new Set(LOOPBACK_NAMES)
  anyPort.add(bind)
  if (bind.includes(':') && !bind.startsWith('[')) anyPort.add(`[${bind}]`)
  const withPort = new Set<string>()
  for (const entry of policy.allowedHosts) {
    const h = parseHost(entry)
    if (!h) throw new Error(`allowed host '${entry}' is not a host[:port]`)
    if (h.port === null) anyPort.add(h.name)
    else withPort.add(`${h.name}:${h.port}`)
  }
  const wildcard = WILDCARD.has(bind)
  const allowed = (hostHeader: string | undefined): boolean => {
    const h = hostHeader === undefined ? null : parseHost(hostHeader)
    if (!h) return false
    if (anyPort.has(h.name) || (h.port !== null && withPort.has(`${h.name}:${h.port}`))) return true
    return wildcard && isIpLiteral(h.name)
  }
  const hint =
    wildcard || !LOOPBACK_NAMES.includes(bind)
      ? 'use a loopback address, or add this name to the daemon\'s --allowed-hosts'
      : 'use a loopback address such as 127.0.0.1'

  app.addHook('onRequest', async (req) => {
    const host = req.headers.host
    if (!allowed(host)) {
      throw new ApiError(403, `Host '${host ?? ''}' is not allowed: ${hint}`)
    }
    const origin = req.headers.origin
    if (origin !== undefined) {
      let sameOrigin = false
      try {
        const u = new URL(origin)
        sameOrigin = u.protocol === `${req.protocol}:` && u.host === host?.toLowerCase()
      } catch {
        sameOrigin = false
      }
      if (!sameOrigin) throw new ApiError(403, `Cross-origin requests are not allowed (Origin: ${origin})`)
    }
  })
}
