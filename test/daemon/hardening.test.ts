import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest'
import type { RawResponse } from '../../src/client/index.js'
import { otlpTypes } from '../../src/daemon/ingest/otlp/schema.js'
import { expectError } from '../helpers/assertions.js'
import { accountWithKey, log, registerAccount, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'

// Issue #14 (7): the smaller holes, each refused the way the API promises.

interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
  /** The socket error the client saw, if any (ECONNRESET, EPIPE). */
  error: string | null
}

/** Reads the first HTTP response in `text`, or null when there is none yet. */
function parseAnswer(text: string, error: string | null): RawAnswer | null {
  const end = text.indexOf('\r\n\r\n')
  if (end < 0) return null
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const l of lines) {
    const i = l.indexOf(':')
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
  }
  const length = Number(headers['content-length'] ?? 0)
  const body = text.slice(end + 4, end + 4 + length)
  if (body.length < length) return null
  return { status: Number(statusLine!.split(' ')[1]), headers, body, error }
}

/**
 * Sends raw bytes over TCP (node:net: what a client can send, not what an HTTP library lets
 * it), optionally followed by `bodyBytes` of body pumped as fast as the socket takes them,
 * reading all the while. Resolves with the first response once the connection closes.
 */
function rawExchange(
  port: number,
  head: string | Buffer,
  opts: { bodyBytes?: number; chunked?: boolean } = {},
): Promise<RawAnswer | { status: 0; error: string | null; text: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    let error: string | null = null
    socket.on('data', (d) => {
      text += d.toString('latin1')
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message
    })
    socket.on('close', () => resolve(parseAnswer(text, error) ?? { status: 0, error, text }))
    socket.write(head)
    const total = opts.bodyBytes ?? 0
    const piece = Buffer.alloc(64 * 1024, 'x')
    let sent = 0
    const pump = () => {
      while (sent < total) {
        if (socket.destroyed || !socket.writable) return
        sent += piece.length
        const data = opts.chunked
          ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
          : piece
        if (!socket.write(data)) {
          socket.once('drain', pump)
          return
        }
      }
      if (socket.destroyed || !socket.writable) return
      if (opts.chunked) socket.end('0\r\n\r\n')
      else socket.end()
    }
    pump()
  })
}

/** The response is the API's error: exactly `{"detail": string}`, as JSON. */
function expectDetail(a: RawAnswer | { status: 0 }, status: number, word?: string): void {
  expect(a.status, JSON.stringify(a)).toBe(status)
  const answer = a as RawAnswer
  expect(answer.headers['content-type']).toContain('application/json')
  const body = JSON.parse(answer.body) as Record<string, unknown>
  expect(Object.keys(body)).toEqual(['detail'])
  expect(typeof body['detail']).toBe('string')
  if (word) expect((body['detail'] as string).toLowerCase()).toContain(word.toLowerCase())
}

let d: TestDaemon
let port: number
beforeAll(async () => {
  d = await startTestDaemon()
  port = Number(new URL(d.url).port)
})
afterAll(async () => {
  await d.close()
})

describe('errors raised before routing are {"detail"} too (over a raw socket)', () => {
  const host = () => `Host: 127.0.0.1:${port}\r\n`
  test.each<[string, () => string, number, string]>([
    ['a bad percent-encoding in the path', () => `GET /api/v1/logs%zz HTTP/1.1\r\n${host()}\r\n`, 400, 'percent-encoding'],
    ['a truncated percent-encoding', () => `GET /health%E0%A4%A HTTP/1.1\r\n${host()}\r\n`, 400, 'percent-encoding'],
    ['an oversized URL', () => `GET /${'a'.repeat(100_000)} HTTP/1.1\r\n${host()}\r\n`, 431, 'too large'],
    ['an oversized header', () => `GET /health HTTP/1.1\r\n${host()}X-Big: ${'a'.repeat(100_000)}\r\n\r\n`, 431, 'too large'],
    ['an unknown method', () => `BREW /health HTTP/1.1\r\n${host()}\r\n`, 501, 'method'],
    ['an unknown HTTP version', () => `GET /health HTTP/7.3\r\n${host()}\r\n`, 400, 'malformed'],
    [
      'malformed chunked encoding',
      () =>
        `POST /api/v1/accounts/login HTTP/1.1\r\n${host()}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      400,
      'chunked',
    ],
    [
      'a chunk longer than its size',
      () =>
        `POST /api/v1/accounts/login HTTP/1.1\r\n${host()}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{"a":1}\r\n0\r\n\r\n`,
      400,
      'chunked',
    ],
  ])('%s', async (_what, request, status, word) => {
    const a = await rawExchange(port, request())
    expectDetail(a, status, word)
  })

  it('answers a path parameter over 100 characters with {"detail"}', async () => {
    const a = await rawExchange(port, `GET /api/v1/projects/${'a'.repeat(150)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)
    expectDetail(a, 414, '100 characters')
  })
})

describe('a body over the limit gets its 413, also while the client is still sending it', () => {
  const head = (framing: string) =>
    `POST /api/v1/accounts/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n${framing}\r\n`
  const MB30 = 30 * 1024 * 1024

  it('answers 413 {"detail"} to each of 20 chunked 30 MB bodies, never a connection reset', async () => {
    for (let round = 0; round < 20; round++) {
      const a = await rawExchange(port, head('Transfer-Encoding: chunked\r\n'), { bodyBytes: MB30, chunked: true })
      expect(a.status, `round ${round}: ${JSON.stringify(a).slice(0, 200)}`).toBe(413)
      expectDetail(a, 413, '10 MiB')
    }
  })

  it('answers 413 {"detail"} to each of 10 bodies announced at 30 MB and sent', async () => {
    for (let round = 0; round < 10; round++) {
      const a = await rawExchange(port, head(`Content-Length: ${MB30}\r\n`), { bodyBytes: MB30 })
      expect(a.status, `round ${round}: ${JSON.stringify(a).slice(0, 200)}`).toBe(413)
      expectDetail(a, 413, '10 MiB')
    }
  })

  it('still serves the next connection at once', async () => {
    expect((await d.client.raw('GET', '/health')).status).toBe(200)
  })
})

describe('the Host check compares the whole host[:port]', () => {
  const get = (hostValue: string) => rawExchange(port, `GET /health HTTP/1.1\r\nHost: ${hostValue}\r\nConnection: close\r\n\r\n`)

  test.each([
    (p: number) => `127.0.0.1:${p}@evil.com`,
    () => '[::1]evil.com',
    (p: number) => `localhost:${p}, evil.com`,
    (p: number) => `localhost:${p} evil.com`,
    () => 'localhost:99999',
    () => 'localhost:',
    () => 'localhost.evil.com',
    () => '127.0.0.1.evil.com',
  ])('refuses Host %s with 403', async (value) => {
    expectDetail(await get(value(port)), 403, 'not allowed')
  })

  test.each([
    (p: number) => `127.0.0.1:${p}`,
    (p: number) => `localhost:${p}`,
    (p: number) => `LOCALHOST:${p}`,
    (p: number) => `[::1]:${p}`,
    () => 'localhost',
    // An SSH tunnel or port forward: the port is the client's, the name loopback.
    () => '127.0.0.1:9999',
  ])('accepts Host %s', async (value) => {
    expect((await get(value(port))).status).toBe(200)
  })
})

describe('impossible dates are refused, not rolled over', () => {
  let keyClient: Awaited<ReturnType<typeof accountWithKey>>['keyClient']
  let account: Awaited<ReturnType<typeof accountWithKey>>['account']
  let keyId: number
  beforeAll(async () => {
    const a = await accountWithKey(d.client, 'dates')
    keyClient = a.keyClient
    account = a.account
    keyId = a.key.key_id
  })

  test.each(['2025-02-30T10:00:00Z', '0000-01-01T00:00:00Z', '2025-02-29T00:00:00+01:00', '2025-04-31T12:00:00.500Z', '2025-01-01T24:00:00Z'])(
    'a log timestamped %s gets 400 naming timestamp',
    async (timestamp) => {
      expectError(await keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ timestamp }) }), 400, 'timestamp')
      const batch = await keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs: [log({ timestamp })] } })
      expectError(batch, 400, 'timestamp')
    },
  )

  it('refuses them in from/to of /logs and of key metrics', async () => {
    expectError(await keyClient.raw('GET', '/api/v1/logs', { query: { from: '2025-02-30T00:00:00Z' } }), 400, 'from')
    expectError(await keyClient.raw('GET', '/api/v1/logs', { query: { to: '0000-06-01T00:00:00Z' } }), 400, 'to')
    const metrics = await account.client.raw('GET', `/api/v1/api-keys/${keyId}/metrics`, {
      query: { from: '2025-02-30T00:00:00Z', to: '2025-03-02T00:00:00Z' },
    })
    expect(metrics.status).toBe(400)
  })

  it('still takes 29 February of a leap year', async () => {
    expect((await keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ timestamp: '2024-02-29T10:00:00Z' }) })).status).toBe(202)
  })
})

describe('rate-limit headers are always integers', () => {
  const INTEGER = /^\d+$/
  const expectIntegerHeaders = (r: RawResponse) => {
    for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
      expect(r.headers[h], `${h} = ${r.headers[h]}`).toMatch(INTEGER)
    }
    if (r.status === 429) expect(r.headers['retry-after']).toMatch(INTEGER)
  }

  it('refuses limits slower than a full refill a year (tokens_per_second: 1e-300) with 400 naming the field', async () => {
    const { account, key } = await accountWithKey(d.client, 'tiny-rate')
    for (const body of [
      { algorithm: 'token_bucket', tokens_per_second: 1e-300, burst_capacity: 1 },
      { algorithm: 'fixed_window', tokens_per_second: 1e-9, burst_capacity: 10 },
      { algorithm: 'token_bucket', tokens_per_second: 0.001, burst_capacity: 1_000_000 },
    ]) {
      const r = await account.client.raw('PUT', `/api/v1/api-keys/${key.key_id}/limits`, { body })
      expectError(r, 400, 'tokens_per_second', 'a year')
    }
    // A day's worth of 10 requests is fine.
    const ok = await account.client.raw('PUT', `/api/v1/api-keys/${key.key_id}/limits`, {
      body: { algorithm: 'fixed_window', tokens_per_second: 10 / 86_400, burst_capacity: 10 },
    })
    expect(ok.status).toBe(200)
  })

  test.each([
    ['token_bucket', 1 / 3, 2],
    ['fixed_window', 0.7, 3],
    ['token_bucket', 3.5e-5, 1],
    ['fixed_window', 10 / 86_400, 10],
  ] as const)('%s at %d tokens/s, burst %d: every X-RateLimit-* and Retry-After is an integer', async (algorithm, tps, burst) => {
    const { account, key, keyClient } = await accountWithKey(d.client, `int-${algorithm.replace('_', '-')}-${burst}`)
    const put = await account.client.raw('PUT', `/api/v1/api-keys/${key.key_id}/limits`, {
      body: { algorithm, tokens_per_second: tps, burst_capacity: burst },
    })
    expect(put.status).toBe(200)
    let throttled = 0
    for (let i = 0; i < burst + 2; i++) {
      const r = await keyClient.raw('GET', '/api/v1/queue/depth')
      expectIntegerHeaders(r)
      if (r.status === 429) throttled++
      d.clock.advance(137)
    }
    expect(throttled).toBeGreaterThan(0)
    const check = await d.client.raw('POST', '/api/v1/check', { body: { api_key: key.full_key } })
    for (const v of Object.values(check.body as Record<string, unknown>)) {
      if (typeof v === 'number') expect(Number.isSafeInteger(v)).toBe(true)
    }
  })
})

describe('a 100,000-character refresh_token is reported as too long, not as missing', () => {
  test.each(['/api/v1/accounts/refresh', '/api/v1/accounts/revoke'])('%s', async (path) => {
    const r = await d.client.raw('POST', path, { body: { refresh_token: 'x'.repeat(100_000) } })
    const detail = expectError(r, 400, 'refresh_token', 'at most 512 characters')
    expect(detail).not.toContain('required')
  })
})

describe('OTLP: decoded containers and records are bounded per request', () => {
  let keyClient: Awaited<ReturnType<typeof accountWithKey>>['keyClient']
  beforeAll(async () => {
    keyClient = (await accountWithKey(d.client, 'otlp-bounds')).keyClient
  })
  const post = (body: Buffer, type: string, gzip = false) =>
    keyClient.raw('POST', '/v1/logs', {
      rawBody: gzip ? gzipSync(body) : body,
      headers: { 'content-type': type, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    })
  /** `n` empty messages of field 1 (resource_logs) in a row: 2 bytes each on the wire. */
  const emptyResourceLogs = (n: number) => {
    const b = Buffer.alloc(n * 2)
    for (let i = 0; i < n; i++) b[2 * i] = 0x0a
    return b
  }

  it('refuses 10 KB of gzip holding 5 million empty ResourceLogs (400) without building them', async () => {
    const body = emptyResourceLogs(5_000_000)
    expect(gzipSync(body).length).toBeLessThan(12_000)
    const before = process.memoryUsage().rss
    let peak = before
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 5)
    try {
      const r = await post(body, 'application/x-protobuf', true)
      expectError(r, 400, 'at most 500000 values')
    } finally {
      clearInterval(sampler)
    }
    // Decoding them took ~1 GB; counting them on the wire takes next to nothing.
    expect(peak - before).toBeLessThan(300 * 1024 * 1024)
  })

  it('refuses more than 10000 ResourceLogs or ScopeLogs, in protobuf and in JSON', async () => {
    expectError(await post(emptyResourceLogs(10_001), 'application/x-protobuf'), 400, 'at most 10000 ResourceLogs')
    const { request } = otlpTypes()
    const scopes = request.encode(request.fromObject({ resourceLogs: [{ scopeLogs: Array.from({ length: 10_001 }, () => ({})) }] })).finish()
    expectError(await post(Buffer.from(scopes), 'application/x-protobuf'), 400, 'at most 10000 ScopeLogs')
    const json = (o: unknown) => Buffer.from(JSON.stringify(o))
    expectError(await post(json({ resourceLogs: Array.from({ length: 10_001 }, () => ({})) }), 'application/json'), 400, 'at most 10000 ResourceLogs')
    expectError(
      await post(json({ resource_logs: [{ scope_logs: Array.from({ length: 10_001 }, () => ({})) }] }), 'application/json'),
      400,
      'at most 10000 ScopeLogs',
    )
  })

  it('refuses a JSON body of millions of empty objects before parsing it', async () => {
    const body = Buffer.from(`{"resourceLogs":[${Array(3_000_000).fill('{}').join(',')}]}`)
    expectError(await post(body, 'application/json', true), 400, 'more than 500000 objects and arrays')
  })

  it('refuses values nested deeper than 64 levels in protobuf, as in JSON', async () => {
    // AnyValue { array_value: ArrayValue { values: [AnyValue { array_value: … }] } }, 100 deep.
    let value = Buffer.alloc(0) // the innermost AnyValue, empty
    for (let i = 0; i < 100; i++) {
      const array = Buffer.concat([Buffer.from([0x0a]), varint(value.length), value]) // ArrayValue.values
      value = Buffer.concat([Buffer.from([0x2a]), varint(array.length), array]) // AnyValue.array_value
    }
    const record = Buffer.concat([Buffer.from([0x2a]), varint(value.length), value]) // LogRecord.body
    const scope = Buffer.concat([Buffer.from([0x12]), varint(record.length), record]) // ScopeLogs.log_records
    const resource = Buffer.concat([Buffer.from([0x12]), varint(scope.length), scope]) // ResourceLogs.scope_logs
    const body = Buffer.concat([Buffer.from([0x0a]), varint(resource.length), resource])
    expectError(await post(body, 'application/x-protobuf'), 400, 'deeper than 64')
  })

  it('still takes a real request with many attributes', async () => {
    const { request } = otlpTypes()
    const records = Array.from({ length: 2000 }, (_, i) => ({
      body: { stringValue: `m${i}` },
      attributes: Array.from({ length: 20 }, (_, k) => ({ key: `a${k}`, value: { stringValue: randomBytes(4).toString('hex') } })),
    }))
    const body = request.encode(request.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] })).finish()
    expect((await post(Buffer.from(body), 'application/x-protobuf')).status).toBe(200)
  })
})

function varint(n: number): Buffer {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return Buffer.from(out)
}

describe('caps: projects per account and keys per project (409 naming the cap)', () => {
  it('refuses a project past the cap, and a key past the cap until one is revoked', async () => {
    const capped = await startTestDaemon({ maxProjectsPerAccount: 2, maxKeysPerProject: 2 })
    try {
      const a = await registerAccount(capped.client)
      const p1 = await a.client.createProject({ name: 'One', slug: 'one' })
      await a.client.createProject({ name: 'Two', slug: 'two' })
      expectError(await a.client.raw('POST', '/api/v1/projects', { body: { name: 'Three', slug: 'three' } }), 409, '2 projects')
      // Another account has its own count.
      const b = await registerAccount(capped.client)
      expect((await b.client.raw('POST', '/api/v1/projects', { body: { name: 'Three', slug: 'three' } })).status).toBe(201)

      const k1 = await a.client.createApiKey(p1.project_id, { name: 'k1' })
      await a.client.createApiKey(p1.project_id, { name: 'k2' })
      const third = await a.client.raw('POST', `/api/v1/projects/${p1.project_id}/api-keys`, { body: { name: 'k3' } })
      expectError(third, 409, '2 API keys', 'revoke')
      await a.client.raw('DELETE', `/api/v1/api-keys/${k1.key_id}`)
      expect((await a.client.raw('POST', `/api/v1/projects/${p1.project_id}/api-keys`, { body: { name: 'k3' } })).status).toBe(201)
    } finally {
      await capped.close()
    }
  })
})
