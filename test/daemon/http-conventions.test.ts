import { afterAll, beforeAll, describe, expect, it, test } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import {
  accountWithKey,
  log,
  PASSWORD,
  registerAccount,
  startTestDaemon,
  type TestDaemon,
  uniqueEmail,
} from '../helpers/daemon.js'
import { expectError } from '../helpers/assertions.js'

// The conventions every endpoint shares (API.md "Conventions", seed 000 "Error Handling"):
// the error body, the status codes of malformed requests, health, and path parameters.

let daemon: TestDaemon
let anon: LedgerClient
/** A client carrying a valid access token. */
let account: LedgerClient
/** A client carrying a valid API key. */
let keyClient: LedgerClient

beforeAll(async () => {
  daemon = await startTestDaemon()
  anon = daemon.client
  account = (await registerAccount(anon)).client
  keyClient = (await accountWithKey(anon)).keyClient
})
afterAll(async () => {
  await daemon?.close()
})

const json = { 'content-type': 'application/json' }
const registerBody = () => JSON.stringify({ email: uniqueEmail(), password: PASSWORD, name: 'Conventions' })

describe('unknown routes', () => {
  test.each<[string, string]>([
    ['GET', '/api/v1/no-such-thing'],
    ['POST', '/api/v1/no-such-thing'],
    ['GET', '/nope'],
    ['DELETE', '/api/v1/projects'],
  ])('%s %s answers 404 {"detail"}', async (method, path) => {
    const res = await anon.raw(method as 'GET', path, method === 'POST' ? { body: {} } : {})
    expectError(res, 404)
  })
})

describe('request bodies', () => {
  test.each([
    ['a truncated document', '{"email": "a@example.com", '],
    ['a trailing comma', '{"email": "a@example.com",}'],
    ['single quotes', "{'email': 'a@example.com'}"],
    ['not JSON at all', 'email=a@example.com'],
  ])('malformed JSON (%s) answers 400 with a detail mentioning JSON', async (_what, rawBody) => {
    const res = await anon.raw('POST', '/api/v1/accounts/register', { rawBody, headers: json })
    expectError(res, 400, 'json')
  })

  it('answers 400 for malformed JSON on an API-key endpoint too (ingest/single)', async () => {
    const res = await keyClient.raw('POST', '/api/v1/ingest/single', {
      rawBody: '{"level": "info"',
      headers: json,
    })
    expectError(res, 400, 'json')
  })

  it('answers 400 for an empty body sent as application/json', async () => {
    const res = await anon.raw('POST', '/api/v1/accounts/register', { rawBody: '', headers: json })
    expectError(res, 400)
  })

  it('answers 400 for an empty body sent as application/json to ingest/single', async () => {
    const res = await keyClient.raw('POST', '/api/v1/ingest/single', { rawBody: '', headers: json })
    expectError(res, 400)
  })

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'answers 415 for a body sent as %s to a JSON endpoint',
    async (contentType) => {
      const res = await anon.raw('POST', '/api/v1/accounts/register', {
        rawBody: registerBody(),
        headers: { 'content-type': contentType },
      })
      expectError(res, 415, 'application/json')
    },
  )

  it('answers 415 for a text/plain body on ingest/single', async () => {
    const res = await keyClient.raw('POST', '/api/v1/ingest/single', {
      rawBody: JSON.stringify(log()),
      headers: { 'content-type': 'text/plain' },
    })
    expectError(res, 415)
  })

  it('accepts application/json with a charset parameter', async () => {
    const res = await anon.raw('POST', '/api/v1/accounts/register', {
      rawBody: registerBody(),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  })

  it('does not refuse a body-less POST for its Content-Type (logout with text/plain → 204)', async () => {
    const own = await registerAccount(anon)
    const res = await own.client.raw('POST', '/api/v1/accounts/logout', {
      headers: { 'content-type': 'text/plain' },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(204)
  })

  test.each([
    [
      '__proto__',
      `{"__proto__": {"isAdmin": true}, "email": "p@example.com", "password": "${PASSWORD}", "name": "P"}`,
    ],
    [
      'constructor.prototype',
      `{"constructor": {"prototype": {"isAdmin": true}}, "email": "c@example.com", "password": "${PASSWORD}", "name": "C"}`,
    ],
  ])('refuses a body with %s (prototype poisoning) with 400', async (_what, rawBody) => {
    const res = await anon.raw('POST', '/api/v1/accounts/register', { rawBody, headers: json })
    expectError(res, 400)
    // Said for what it is, not as malformed JSON (the JSON is well formed).
    expect((res.body as { detail: string }).detail).toContain('__proto__')
    expect((res.body as { detail: string }).detail).not.toMatch(/malformed|not valid JSON/i)
  })

  it('refuses __proto__ inside an ingested log with 400, and the daemon stays sane', async () => {
    const rawBody = JSON.stringify(log()).replace(/^\{/, '{"__proto__": {"polluted": "yes"}, ')
    const res = await keyClient.raw('POST', '/api/v1/ingest/single', { rawBody, headers: json })
    expectError(res, 400)
    expect((res.body as { detail: string }).detail).toContain('__proto__')
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect((await anon.health()).status).toBe('healthy')
  })

  it('answers 413 for a body over 10 MiB', async () => {
    // A valid JSON document of 10 MiB + 1 byte.
    const limit = 10 * 1024 * 1024
    const prefix = '{"name":"'
    const suffix = '"}'
    const rawBody = Buffer.from(prefix + 'x'.repeat(limit + 1 - prefix.length - suffix.length) + suffix)
    expect(rawBody.length).toBe(limit + 1)
    const res = await anon.raw('POST', '/api/v1/accounts/register', { rawBody, headers: json })
    expectError(res, 413)
  })

  it('answers 413 for an ingest batch over 10 MiB', async () => {
    const big = log({ message: 'm'.repeat(10_000) })
    const logs = Array.from({ length: 1000 }, () => big) // ≈ 10.1 MB of JSON, over 10 MiB
    const rawBody = Buffer.from(JSON.stringify({ logs: [...logs, ...logs.slice(0, 100)] }))
    expect(rawBody.length).toBeGreaterThan(10 * 1024 * 1024)
    const res = await keyClient.raw('POST', '/api/v1/ingest/batch', { rawBody, headers: json })
    expectError(res, 413)
  })
})

describe('health', () => {
  it('GET /health answers {"status":"healthy"}', async () => {
    const res = await anon.raw('GET', '/health')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'healthy' })
  })

  it('GET /health/deep answers healthy with database, ingestion_queue and rate_limiter, each with a status', async () => {
    const res = await anon.raw('GET', '/health/deep')
    expect(res.status).toBe(200)
    const body = res.body as { status: string; services: Record<string, { status?: unknown }> }
    expect(body.status).toBe('healthy')
    for (const name of ['database', 'ingestion_queue', 'rate_limiter']) {
      const service = body.services[name]
      expect(service, name).toBeTypeOf('object')
      expect(service?.status, name).toBe('healthy')
    }
  })

  it('needs no credential, and ignores an invalid one', async () => {
    const res = await anon.raw('GET', '/health', { credential: 'not-a-real-token' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'healthy' })
  })
})

describe('path parameters', () => {
  test.each(['abc', '0', '-1', '1.5', '1e3', '99999999999999999999'])(
    'DELETE /api/v1/api-keys/%s answers 400 naming key_id',
    async (id) => {
      const res = await account.raw('DELETE', `/api/v1/api-keys/${id}`)
      expectError(res, 400, 'key_id')
    },
  )

  test.each(['abc', '0'])('POST /api/v1/projects/%s/api-keys answers 400 naming project_id', async (id) => {
    const res = await account.raw('POST', `/api/v1/projects/${id}/api-keys`, { body: { name: 'k' } })
    expectError(res, 400, 'project_id')
  })

  it('a well-formed id that does not exist is not a 400 (404 for an unknown key)', async () => {
    const res = await account.raw('DELETE', '/api/v1/api-keys/987654')
    expectError(res, 404)
  })
})
