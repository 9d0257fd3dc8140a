import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PASSWORD, startTestDaemon, type TestDaemon, uniqueEmail } from '../helpers/daemon.js'

// Serving a team: listening beyond loopback (--host) with the DNS-rebinding guard still on
// (--allowed-hosts), and the client's address behind a load balancer (--trust-proxy) for the
// per-address throttles.

/** A raw HTTP request, so that Host can be anything (fetch and undici set it themselves). */
function rawHttp(
  url: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(url)
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: payload === undefined ? 'GET' : 'POST',
        headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = ''
        res.on('data', (c) => {
          text += c
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

const health = async (d: TestDaemon, host: string, more: Record<string, string> = {}) =>
  (await rawHttp(d.url, '/health', { host, ...more })).status

describe('a daemon listening on every interface (--host 0.0.0.0)', () => {
  let open: TestDaemon
  let listed: TestDaemon
  beforeAll(async () => {
    open = await startTestDaemon({ host: '0.0.0.0' })
    listed = await startTestDaemon({ host: '0.0.0.0', allowedHosts: ['ledger.example.com', 'lb.example.net:8443'] })
  })
  afterAll(async () => {
    await open.close()
    await listed.close()
  })

  it('still refuses a Host name it was not given (DNS rebinding), saying how to allow one', async () => {
    for (const host of ['evil.example', 'ledger.example.com', 'evil.example:8000']) {
      const r = await rawHttp(open.url, '/health', { host })
      expect(r.status, host).toBe(403)
      expect(JSON.parse(r.body).detail).toBe(`Host '${host}' is not allowed: use a loopback address, or add this name to the daemon's --allowed-hosts`)
    }
  })

  it('answers loopback names and IP addresses (a page there is the daemon\'s own origin: no rebinding)', async () => {
    const port = new URL(open.url).port
    for (const host of [`127.0.0.1:${port}`, 'localhost', '[::1]:8000', '192.168.1.20:8000', '10.0.0.5', '[fd00::7]:80']) {
      expect(await health(open, host), host).toBe(200)
    }
  })

  it('answers the allowed hosts, on any port unless the entry names one, and nothing that merely contains them', async () => {
    for (const host of ['ledger.example.com', 'LEDGER.example.com:443', 'ledger.example.com:8000', 'lb.example.net:8443']) {
      expect(await health(listed, host), host).toBe(200)
    }
    for (const host of ['lb.example.net', 'lb.example.net:443', 'ledger.example.com.evil.example', 'evil.ledger.example.com', 'ledger.example.com:8000@evil.example', 'ledger.example.com, evil.example']) {
      expect(await health(listed, host), host).toBe(403)
    }
  })

  it('a loopback daemon takes allowed hosts too (a tunnel\'s name), and refuses the rest as before', async () => {
    const d = await startTestDaemon({ allowedHosts: ['tunnel.example'] })
    try {
      expect(await health(d, 'tunnel.example:9000')).toBe(200)
      expect(await health(d, '10.0.0.5')).toBe(403)
      const r = await rawHttp(d.url, '/health', { host: 'evil.example' })
      expect(JSON.parse(r.body).detail).toBe("Host 'evil.example' is not allowed: use a loopback address such as 127.0.0.1")
    } finally {
      await d.close()
    }
  })
})

describe('--trust-proxy: the client address behind a load balancer', () => {
  const register = (d: TestDaemon, headers: Record<string, string>) =>
    rawHttp(d.url, '/api/v1/accounts/register', { host: 'ledger.example.com', ...headers }, { email: uniqueEmail('lb'), password: PASSWORD, name: 'LB' })

  it('without it, X-Forwarded-For is ignored: a client cannot dodge the per-address throttle by forging it', async () => {
    const d = await startTestDaemon({ registrationsPerHour: 2, allowedHosts: ['ledger.example.com'] })
    try {
      expect((await register(d, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(201)
      expect((await register(d, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(201)
      const refused = await register(d, { 'x-forwarded-for': '203.0.113.3' })
      expect(refused.status).toBe(429)
      expect(JSON.parse(refused.body).detail).toMatch(/registrations/)
    } finally {
      await d.close()
    }
  })

  it('trusting the proxy\'s address, X-Forwarded-For decides which address is throttled', async () => {
    // The test's requests come from 127.0.0.1: that is "the load balancer".
    const d = await startTestDaemon({ registrationsPerHour: 2, allowedHosts: ['ledger.example.com'], trustProxy: ['127.0.0.1'] })
    try {
      const alice = { 'x-forwarded-for': '203.0.113.1' }
      expect((await register(d, alice)).status).toBe(201)
      expect((await register(d, alice)).status).toBe(201)
      expect((await register(d, alice)).status).toBe(429)
      // Another client behind the same balancer has its own count.
      expect((await register(d, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(201)
      // What the client itself put in front of the header is not believed: the nearest
      // untrusted hop (the one the balancer saw) is the client.
      expect((await register(d, { 'x-forwarded-for': '198.51.100.9, 203.0.113.1' })).status).toBe(429)
      // The balancer's own requests (no header) count under its address.
      expect((await register(d, {})).status).toBe(201)
    } finally {
      await d.close()
    }
  })

  it('a number of hops trusts that many proxies, whoever they are', async () => {
    const d = await startTestDaemon({ registrationsPerHour: 1, allowedHosts: ['ledger.example.com'], trustProxy: 2 })
    try {
      // Two proxies: the client is the second address from the right.
      expect((await register(d, { 'x-forwarded-for': '203.0.113.1, 10.0.0.2' })).status).toBe(201)
      expect((await register(d, { 'x-forwarded-for': '203.0.113.1, 10.0.0.3' })).status).toBe(429)
      expect((await register(d, { 'x-forwarded-for': '203.0.113.2, 10.0.0.2' })).status).toBe(201)
    } finally {
      await d.close()
    }
  })

  it('failed logins are counted per forwarded address too', async () => {
    const d = await startTestDaemon({ loginFailuresPerAddress: 2, allowedHosts: ['ledger.example.com'], trustProxy: true })
    try {
      const login = (xff: string) =>
        rawHttp(d.url, '/api/v1/accounts/login', { host: 'ledger.example.com', 'x-forwarded-for': xff }, { email: uniqueEmail('x'), password: PASSWORD })
      expect((await login('203.0.113.1')).status).toBe(401)
      expect((await login('203.0.113.1')).status).toBe(401)
      expect((await login('203.0.113.1')).status).toBe(429)
      expect((await login('203.0.113.2')).status).toBe(401)
    } finally {
      await d.close()
    }
  })

  it('TLS at the proxy: an https Origin of the allowed host passes when the trusted proxy says https, and only then', async () => {
    const behind = await startTestDaemon({ allowedHosts: ['ledger.example.com'], trustProxy: ['127.0.0.1'] })
    const direct = await startTestDaemon({ allowedHosts: ['ledger.example.com'] })
    try {
      const headers = { host: 'ledger.example.com', origin: 'https://ledger.example.com', 'x-forwarded-proto': 'https' }
      expect(await health(behind, 'ledger.example.com', headers)).toBe(200)
      expect(await health(behind, 'ledger.example.com', { ...headers, 'x-forwarded-proto': 'http' })).toBe(403)
      expect(await health(direct, 'ledger.example.com', headers)).toBe(403)
      expect(await health(direct, 'ledger.example.com', { host: 'ledger.example.com', origin: 'http://ledger.example.com' })).toBe(200)
    } finally {
      await behind.close()
      await direct.close()
    }
  })
})
