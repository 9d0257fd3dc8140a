import type { FastifyRequest } from 'fastify'

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function ipv6Groups(address: string): string[] | null {
  const [head, tail, ...more] = address.split('::')
  if (more.length > 0 || head === undefined) return null
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const missing = 8 - left.length - right.length
  if (tail === undefined ? missing !== 0 : missing < 1) return null
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right]
  return groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g)) ? groups : null
}

/**
 * The key per-address throttles count a client under: its IPv4 address (also when it arrives
 * IPv4-mapped), or the /64 network of an IPv6 address, since one host usually holds a whole
 * /64 and could otherwise change address at every request. Without `trustProxy`, this is the
 * peer of the TCP connection; with it (`--trust-proxy`), the address the trusted proxies
 * forwarded in X-Forwarded-For (Fastify's `req.ip`): the nearest hop not trusted.
 */
export function clientAddress(req: FastifyRequest): string {
  return addressKey(req.ip)
}

export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown'
  const a = ip.toLowerCase().replace(/%.*$/, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)
  if (mapped) return mapped[1]!
  if (!a.includes(':')) return a
  const groups = ipv6Groups(a)
  return groups ? `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64` : a
}
