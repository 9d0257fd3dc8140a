import { isIP } from 'node:net'

// A whole Host header: a name or an IPv4 address, or an IPv6 address in brackets, then an
// optional port. Anything more (`127.0.0.1:8000@evil.com`, `[::1]evil.com`, `localhost:8000,
// evil.com`, a space) is not a Host at all.
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::([0-9]{1,5}))?$/

/** A Host header (or an allowed host) taken apart: the name lowercased, IPv6 in brackets. */
export interface HostAndPort {
  name: string
  port: number | null
}

/** `[::1]:8000` → `{ name: '[::1]', port: 8000 }`; null when it is not a well-formed Host. */
export function parseHost(text: string): HostAndPort | null {
  const m = HOST_HEADER.exec(text.toLowerCase())
  if (!m) return null
  const port = m[2] === undefined ? null : Number(m[2])
  if (port !== null && (port < 1 || port > 65535)) return null
  return { name: m[1]!, port }
}

/** The name is an IP address (`10.0.0.5`, `[fd00::1]`), not a DNS name. */
export function isIpLiteral(name: string): boolean {
  return isIP(name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name) !== 0
}
