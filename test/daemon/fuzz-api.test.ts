import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RawResponse } from '../../src/client/index.js'
import { STACK_TRACE } from '../helpers/assertions.js'
import { accountWithKey, PASSWORD, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'

// Property-based fuzzing (issue #5): whatever body any JSON endpoint receives, the daemon
// answers below 500, every 4xx is exactly {"detail": string}, and it keeps serving.

const ADMIN = 'admin-token-0123456789'

/** Field names of every request schema: fuzzed bodies use them so they get past the shape. */
const FIELDS = [
  'email', 'password', 'name', 'slug', 'environment', 'retention_days', 'daily_quota', 'description',
  'is_active', 'algorithm', 'tokens_per_second', 'burst_capacity', 'api_key', 'cost', 'refresh_token',
  'code', 'index', 'project_id', 'time_range_from', 'time_range_to', 'type', 'logs', 'timestamp', 'level',
  'log_type', 'importance', 'message', 'attributes', 'scopes', 'expires_in_days', '__proto__', 'constructor',
]

const value = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('', 'info', 'logs', 'token_bucket', '2025-10-17T10:00:00Z', 'a@example.com', 'SecurePass123'),
  fc.double(),
  fc.integer(),
  fc.bigInt().map((b) => Number(b)),
)
const body = fc.oneof(
  // Arbitrary JSON documents.
  fc.jsonValue().map((v) => JSON.stringify(v)),
  // Objects with the real field names and arbitrary values (also a batch of them).
  fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 8 }).map((o) => JSON.stringify(o)),
  fc.array(fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }), { maxLength: 5 }).map((logs) =>
    JSON.stringify({ logs }),
  ),
  // Malformed text, and deep nesting.
  fc.string({ maxLength: 200 }),
  fc.integer({ min: 1, max: 200 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
)

function expectSane(res: RawResponse, what: string): void {
  expect(res.status, what).toBeLessThan(500)
  if (res.status >= 400) {
    const b = res.body as Record<string, unknown>
    expect(b !== null && typeof b === 'object' && !Array.isArray(b), what).toBe(true)
    expect(typeof b['detail'], what).toBe('string')
    for (const k of Object.keys(b)) expect(['detail', 'code'], what).toContain(k)
    expect(JSON.stringify(b), what).not.toMatch(STACK_TRACE)
  }
}

describe('fuzzing every JSON endpoint', () => {
  let d: TestDaemon
  let fixture: Awaited<ReturnType<typeof accountWithKey>>
  let params: Record<string, string>

  beforeAll(async () => {
    d = await startTestDaemon({ adminToken: ADMIN })
    fixture = await accountWithKey(d.client, 'fuzz')
    const spare = await fixture.account.client.createApiKey(fixture.project.project_id, { name: 'spare' })
    const panel = await fixture.account.client.createPanel({
      name: 'p',
      index: 0,
      project_id: 'fuzz',
      time_range_from: '2025-10-01T00:00:00Z',
      time_range_to: '2025-10-02T00:00:00Z',
      type: 'logs',
    })
    params = {
      project_slug: 'fuzz',
      project_id: String(fixture.project.project_id),
      key_id: String(spare.key_id),
      panel_id: panel.id,
    }
  })
  afterAll(async () => {
    await d.close()
  })

  it('answers every arbitrary body below 500, with {"detail"} on every 4xx, and keeps serving', async () => {
    // Every route that takes a body, from the daemon's own inventory (logout ends the session).
    const routes = () =>
      d.routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !r.url.endsWith('/logout'))
    expect(routes().length).toBeGreaterThan(15)
    const jwt = (await d.client.login({ email: fixture.account.email, password: PASSWORD })).access_token
    for (const route of routes()) {
      const path = route.url.replace(/:([a-z_]+)/g, (_, n: string) => params[n]!)
      const credential = route.auth === 'api_key' ? fixture.key.full_key : route.auth === 'none' ? null : jwt
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (route.auth === 'admin') headers['x-admin-token'] = ADMIN
      await fc.assert(
        fc.asyncProperty(body, async (raw) => {
          const res = await d.client.raw(route.method as 'POST', path, { rawBody: raw, headers, credential })
          expectSane(res, `${route.method} ${route.url} ${raw.slice(0, 200)}`)
        }),
        { numRuns: 40 },
      )
    }
    expect((await d.client.health()).status).toBe('healthy')
  })
})
