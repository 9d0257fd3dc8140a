import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import { accountWithKey, PASSWORD, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'

// The route inventory (issue #5): every route the daemon registers, with the credential it
// accepts. A new route must be added here, or this test fails: deny by default is checked,
// not assumed.
const INVENTORY: Array<[method: string, url: string, auth: string, scope?: string]> = [
  ['GET', '/health', 'none'],
  ['GET', '/health/deep', 'none'],
  ['POST', '/api/v1/accounts/register', 'none'],
  ['POST', '/api/v1/accounts/login', 'none'],
  ['POST', '/api/v1/accounts/refresh', 'none'],
  ['POST', '/api/v1/accounts/revoke', 'none'],
  ['POST', '/api/v1/accounts/verification/send-code', 'none'],
  ['POST', '/api/v1/accounts/verification/verify-code', 'none'],
  ['POST', '/api/v1/accounts/logout', 'account'],
  ['GET', '/api/v1/accounts/me', 'account'],
  ['POST', '/api/v1/projects', 'account'],
  ['GET', '/api/v1/projects', 'account'],
  ['GET', '/api/v1/projects/:project_slug', 'account'],
  ['PATCH', '/api/v1/projects/:project_slug', 'account'],
  ['POST', '/api/v1/projects/:project_id/api-keys', 'account'],
  ['GET', '/api/v1/projects/:project_id/api-keys', 'account'],
  ['GET', '/api/v1/api-keys', 'account'],
  ['GET', '/api/v1/api-keys/:key_id', 'account'],
  ['PUT', '/api/v1/api-keys/:key_id', 'account'],
  ['DELETE', '/api/v1/api-keys/:key_id', 'account'],
  ['GET', '/api/v1/api-keys/:key_id/limits', 'account'],
  ['PUT', '/api/v1/api-keys/:key_id/limits', 'account'],
  ['GET', '/api/v1/api-keys/:key_id/metrics', 'account'],
  ['GET', '/api/v1/dashboard/stats', 'account'],
  ['POST', '/api/v1/check', 'none'],
  ['GET', '/api/v1/dashboard/panels', 'account_or_key', 'panels'],
  ['POST', '/api/v1/dashboard/panels', 'account_or_key', 'panels'],
  ['PUT', '/api/v1/dashboard/panels/:panel_id', 'account_or_key', 'panels'],
  ['GET', '/api/v1/dashboard/panels/:panel_id/data', 'account_or_key', 'panels'],
  ['DELETE', '/api/v1/dashboard/panels/:panel_id', 'account_or_key', 'panels'],
  ['POST', '/api/v1/ingest/single', 'api_key', 'ingest'],
  ['POST', '/api/v1/ingest/batch', 'api_key', 'ingest'],
  ['GET', '/api/v1/queue/depth', 'api_key', 'ingest'],
  ['POST', '/v1/logs', 'api_key', 'ingest'],
  ['GET', '/api/v1/logs', 'account_or_key', 'read'],
  ['GET', '/api/v1/stats/overview', 'account'],
  ['GET', '/api/v1/logs/tail', 'account_or_key', 'read'],
  ['GET', '/api/v1/admin/api-keys', 'admin'],
  ['GET', '/api/v1/admin/api-keys/:key_id', 'admin'],
  ['GET', '/api/v1/admin/api-keys/:key_id/limits', 'admin'],
  ['PUT', '/api/v1/admin/api-keys/:key_id/limits', 'admin'],
  ['GET', '/api/v1/admin/api-keys/:key_id/metrics', 'admin'],
  ['POST', '/api/v1/admin/queue/pause', 'admin'],
  ['POST', '/api/v1/admin/queue/resume', 'admin'],
  // Last: it deletes the owner's project (and the objects the other routes point at).
  ['DELETE', '/api/v1/projects/:project_id', 'account'],
]

const ADMIN = 'admin-token-0123456789'
type Credential = 'none' | 'jwt' | 'key' | 'revoked' | 'garbage'
const CREDENTIALS: Credential[] = ['none', 'jwt', 'key', 'revoked', 'garbage']

/** Which credentials get past authentication (anything but 401) on each kind of route. */
const ACCEPTS: Record<string, Credential[]> = {
  none: CREDENTIALS,
  account: ['jwt'],
  api_key: ['key'],
  account_or_key: ['jwt', 'key'],
  admin: [],
}

describe('route inventory and credential matrix', () => {
  let d: TestDaemon
  let owner: Awaited<ReturnType<typeof accountWithKey>>
  let other: Awaited<ReturnType<typeof accountWithKey>>
  let params: Record<string, string>
  let revokedKey: string

  beforeAll(async () => {
    d = await startTestDaemon({ adminToken: ADMIN })
    owner = await accountWithKey(d.client, 'matrix')
    other = await accountWithKey(d.client, 'matrix-other')
    // Objects the path parameters point at (a spare key, so revoking it spares the credential).
    const spare = await owner.account.client.createApiKey(owner.project.project_id, { name: 'spare' })
    const revoked = await owner.account.client.createApiKey(owner.project.project_id, { name: 'revoked' })
    await owner.account.client.revokeApiKey(revoked.key_id)
    revokedKey = revoked.full_key
    const panel = await owner.account.client.createPanel({
      name: 'p',
      index: 0,
      project_id: 'matrix',
      time_range_from: '2025-10-01T00:00:00Z',
      time_range_to: '2025-10-02T00:00:00Z',
      type: 'logs',
    })
    params = {
      project_slug: owner.project.slug,
      project_id: String(owner.project.project_id),
      key_id: String(spare.key_id),
      panel_id: panel.id,
    }
  })
  afterAll(async () => {
    await d.close()
  })

  const pathOf = (url: string) => url.replace(/:([a-z_]+)/g, (_, name: string) => params[name]!)

  async function send(client: LedgerClient, method: string, url: string, credential: string | null, headers = {}) {
    const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH'
    // A stream that never ends by itself (the live tail): its status, then hang up.
    if (url.endsWith('/tail')) return sendStream(pathOf(url), credential, headers)
    return client.raw(method as 'GET', pathOf(url), {
      credential,
      headers,
      ...(withBody ? { body: {} } : {}),
    })
  }

  async function sendStream(path: string, credential: string | null, headers: Record<string, string>) {
    const ac = new AbortController()
    const res = await fetch(d.url + path, {
      headers: { ...headers, ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
      signal: ac.signal,
    })
    const body = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as unknown) : null
    ac.abort()
    return { status: res.status, headers: Object.fromEntries(res.headers), body }
  }

  it('lists exactly the registered routes, each with the auth mode and scope it declares', () => {
    const actual = d.routes.map((r) => [r.method, r.url, r.auth, ...(r.scope ? [r.scope] : [])].join(' ')).sort()
    const expected = INVENTORY.map((r) => r.join(' ')).sort()
    expect(actual).toEqual(expected)
  })

  it.each(INVENTORY)('%s %s (%s) lets in exactly the credentials it accepts', async (method, url, auth) => {
    // A fresh login per route: logout must not end the token the other routes use.
    const jwt = (await d.client.login({ email: owner.account.email, password: PASSWORD })).access_token
    const credentials: Record<Credential, string | null> = {
      none: null,
      jwt,
      key: owner.key.full_key,
      revoked: revokedKey,
      garbage: 'not-a-credential',
    }
    for (const c of CREDENTIALS) {
      const res = await send(d.client, method, url, credentials[c])
      const accepted = ACCEPTS[auth]!.includes(c)
      if (accepted) expect(res.status, `${c}: ${JSON.stringify(res.body)}`).not.toBe(401)
      else expect(res.status, `${c}: ${JSON.stringify(res.body)}`).toBe(401)
    }
    if (auth === 'admin') {
      expect((await send(d.client, method, url, null, { 'x-admin-token': 'wrong-token-0123456789' })).status).toBe(401)
      expect((await send(d.client, method, url, jwt, { 'x-admin-token': ADMIN })).status).not.toBe(401)
    }
  })

  it.each(INVENTORY.filter(([, url, auth]) => url.includes(':') && auth !== 'admin'))(
    "%s %s with another account's credential never reaches the object",
    async (method, url, auth) => {
      const credential = auth === 'api_key' ? other.key.full_key : other.account.access_token
      const res = await send(d.client, method, url, credential)
      expect([400, 403, 404], `${res.status} ${JSON.stringify(res.body)}`).toContain(res.status)
      expect(JSON.stringify(res.body)).not.toContain(params['panel_id']!.slice(6))
    },
  )
})
