import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest'
import type { LedgerClient, RawResponse } from '../../src/client/index.js'
import { generateApiKey } from '../../src/contract/api-key-format.js'
import { dataFiles } from '../../src/shared/paths.js'
import { accountWithKey, log, registerAccount, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { onPostgres } from '../helpers/test-storage.js'
import { expectError } from '../helpers/assertions.js'

// Seed 000's API keys: creation (shown once, stored as a hash + prefix), revocation, and how a
// key authenticates (Bearer or X-API-Key, checksum, revoked, wrong kind) with rate-limit headers.

let daemon: TestDaemon
let anon: LedgerClient

beforeAll(async () => {
  daemon = await startTestDaemon()
  anon = daemon.client
})
afterAll(async () => {
  await daemon?.close()
})

const ingestOne = (client: LedgerClient) => client.raw('POST', '/api/v1/ingest/single', { body: log() })

/** The same key with one character of its random part replaced (so its checksum no longer matches). */
function mistype(key: string, at = 5): string {
  const head = key.length - 40
  const c = key[head + at]!
  return key.slice(0, head + at) + (c === 'x' ? 'y' : 'x') + key.slice(head + at + 1)
}

describe('POST /api/v1/projects/{project_id}/api-keys', () => {
  it('answers 201 {key_id, full_key, key_prefix, warning} in the documented format', async () => {
    const account = await registerAccount(anon)
    const project = await account.client.createProject({ name: 'App', slug: 'app' })
    const id = project.project_id
    const res = await account.client.raw('POST', `/api/v1/projects/${id}/api-keys`, {
      body: { name: 'Production API Key' },
    })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({
      key_id: expect.any(Number),
      full_key: expect.any(String),
      key_prefix: expect.any(String),
      warning: 'Save this key now! It will not be shown again.',
    })
    const key = res.body as { key_id: number; full_key: string; key_prefix: string }
    expect(Number.isInteger(key.key_id)).toBe(true)
    expect(key.full_key).toMatch(new RegExp(`^ldg_proj_${id}_[0-9A-Za-z]{40}$`))
    const head = `ldg_proj_${id}_`
    expect(key.key_prefix).toBe(head + key.full_key.slice(head.length, head.length + 6))
  })

  it('issues a different key each time', async () => {
    const { account, project, key } = await accountWithKey(anon, 'twice')
    const second = await account.client.createApiKey(project.project_id, { name: 'second' })
    expect(second.key_id).not.toBe(key.key_id)
    expect(second.full_key).not.toBe(key.full_key)
  })

  it.skipIf(onPostgres)('stores the full key nowhere in the SQLite file: only a hash and the prefix (SQLite-specific: its file)', async () => {
    const { key } = await accountWithKey(anon, 'stored')
    const random = key.full_key.slice(-40)
    const db = daemon.inspect()

    const row = db.prepare('SELECT * FROM api_keys WHERE id = ?').get(key.key_id) as Record<string, unknown>
    expect(row).toBeDefined()
    expect(row['key_prefix']).toBe(key.key_prefix)
    // Every text column of every table: neither the key nor its random part appears.
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as { name: string }[]
    expect(tables.map((t) => t.name)).toContain('api_keys')
    for (const { name } of tables) {
      for (const r of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const [col, value] of Object.entries(r)) {
          if (typeof value !== 'string') continue
          expect(value, `${name}.${col}`).not.toContain(random)
          expect(value, `${name}.${col}`).not.toContain(random.slice(6))
        }
      }
    }
    // Nor in the raw bytes of the database file and its write-ahead log.
    const file = dataFiles(daemon.dataDir).database
    for (const f of [file, `${file}-wal`]) {
      if (!existsSync(f)) continue
      const bytes = readFileSync(f)
      expect(bytes.includes(key.full_key), f).toBe(false)
      expect(bytes.includes(random), f).toBe(false)
    }
  })

  it('answers 403 for a project of another account, and creates no key', async () => {
    const { project } = await accountWithKey(anon, 'theirs')
    const intruder = await registerAccount(anon)
    const res = await intruder.client.raw('POST', `/api/v1/projects/${project.project_id}/api-keys`, {
      body: { name: 'stolen' },
    })
    expectError(res, 403)
    expect(res.body).not.toHaveProperty('full_key')
    const [n] = await daemon.sql<{ n: number }>('SELECT COUNT(*) AS n FROM api_keys WHERE project_id = ? AND name = ?', project.project_id, 'stolen')
    expect(n!.n).toBe(0)
  })

  it('answers 404 for a project that does not exist', async () => {
    const account = await registerAccount(anon)
    const res = await account.client.raw('POST', '/api/v1/projects/999999/api-keys', { body: { name: 'k' } })
    expectError(res, 404)
  })

  test.each(['abc', '1.5', '-1', '0', '1e3', 'my-app'])(
    'answers 400 naming project_id when it is %s (not a positive integer)',
    async (projectId) => {
      const account = await registerAccount(anon)
      const res = await account.client.raw('POST', `/api/v1/projects/${projectId}/api-keys`, {
        body: { name: 'k' },
      })
      expectError(res, 400, 'project_id')
    },
  )

  test.each<[string, unknown]>([
    ['missing', {}],
    ['empty', { name: '' }],
    ['longer than 255 characters', { name: 'k'.repeat(256) }],
    ['not a string', { name: 12 }],
  ])('answers 400 naming name when the name is %s', async (_case, body) => {
    const account = await registerAccount(anon)
    const project = await account.client.createProject({ name: 'App', slug: 'app' })
    const res = await account.client.raw('POST', `/api/v1/projects/${project.project_id}/api-keys`, { body })
    expectError(res, 400, 'name')
  })

  it('answers 401 without an access token, and to an API key', async () => {
    const { project, keyClient } = await accountWithKey(anon, 'nokey')
    const path = `/api/v1/projects/${project.project_id}/api-keys`
    expectError(await anon.raw('POST', path, { body: { name: 'k' }, credential: null }), 401)
    expectError(await keyClient.raw('POST', path, { body: { name: 'k' } }), 401)
  })
})

describe('DELETE /api/v1/api-keys/{key_id}', () => {
  it('answers 200 {"success":true,"message":"API key N has been revoked"}', async () => {
    const { account, key } = await accountWithKey(anon, 'revoke')
    const res = await account.client.raw('DELETE', `/api/v1/api-keys/${key.key_id}`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ success: true, message: `API key ${key.key_id} has been revoked` })
  })

  it('makes the key get 401 on ingestion right after', async () => {
    const { account, key, keyClient } = await accountWithKey(anon, 'revoked')
    expect((await ingestOne(keyClient)).status).toBe(202)
    await account.client.revokeApiKey(key.key_id)
    expectError(await ingestOne(keyClient), 401)
    expectError(await keyClient.raw('GET', '/api/v1/queue/depth'), 401)
  })

  it("answers 403 for another account's key, and the key keeps working", async () => {
    const { key, keyClient } = await accountWithKey(anon, 'victim')
    const intruder = await registerAccount(anon)
    expectError(await intruder.client.raw('DELETE', `/api/v1/api-keys/${key.key_id}`), 403)
    expect((await ingestOne(keyClient)).status).toBe(202)
  })

  it('answers 404 for a key that does not exist', async () => {
    const account = await registerAccount(anon)
    expectError(await account.client.raw('DELETE', '/api/v1/api-keys/999999'), 404)
  })

  it('answers 400 naming key_id when it is not an integer', async () => {
    const account = await registerAccount(anon)
    expectError(await account.client.raw('DELETE', '/api/v1/api-keys/abc'), 400, 'key_id')
  })

  it('answers 401 without an access token, and to an API key (even the key itself)', async () => {
    const { key, keyClient } = await accountWithKey(anon, 'selfrevoke')
    expectError(await anon.raw('DELETE', `/api/v1/api-keys/${key.key_id}`, { credential: null }), 401)
    expectError(await keyClient.raw('DELETE', `/api/v1/api-keys/${key.key_id}`), 401)
    expect((await ingestOne(keyClient)).status).toBe(202)
  })
})

describe('authenticating with an API key', () => {
  let fixture: Awaited<ReturnType<typeof accountWithKey>>

  beforeAll(async () => {
    fixture = await accountWithKey(anon, 'auth')
  })

  it('accepts the key as Authorization: Bearer <key>', async () => {
    const res = await anon.raw('GET', '/api/v1/queue/depth', {
      credential: null,
      headers: { authorization: `Bearer ${fixture.key.full_key}` },
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ project_id: fixture.project.project_id })
    expect((await ingestOne(fixture.keyClient)).status).toBe(202)
  })

  it('accepts the key as X-API-Key: <key>', async () => {
    const headers = { 'x-api-key': fixture.key.full_key }
    const depth = await anon.raw('GET', '/api/v1/queue/depth', { credential: null, headers })
    expect(depth.status).toBe(200)
    expect(depth.body).toMatchObject({ project_id: fixture.project.project_id })
    const ingest = await anon.raw('POST', '/api/v1/ingest/single', { body: log(), credential: null, headers })
    expect(ingest.status).toBe(202)
  })

  it('answers 401 for a key with one character changed (checksum mismatch)', async () => {
    for (const at of [0, 20, 39]) {
      const bad = mistype(fixture.key.full_key, at)
      expect(bad).not.toBe(fixture.key.full_key)
      expectError(await anon.raw('POST', '/api/v1/ingest/single', { body: log(), credential: bad }), 401)
      expectError(
        await anon.raw('GET', '/api/v1/queue/depth', { credential: null, headers: { 'x-api-key': bad } }),
        401,
      )
    }
  })

  it('answers 401 for a well-formed key with a valid checksum that was never issued', async () => {
    const forged = generateApiKey(fixture.project.project_id).key
    expectError(await anon.raw('POST', '/api/v1/ingest/single', { body: log(), credential: forged }), 401)
  })

  it("answers 401 for a key whose project id was changed to another project's", async () => {
    const other = await accountWithKey(anon, 'other')
    const swapped = fixture.key.full_key.replace(
      `ldg_proj_${fixture.project.project_id}_`,
      `ldg_proj_${other.project.project_id}_`,
    )
    expectError(await anon.raw('GET', '/api/v1/queue/depth', { credential: swapped }), 401)
  })

  test.each([
    ['POST', '/api/v1/ingest/single'],
    ['POST', '/api/v1/ingest/batch'],
    ['GET', '/api/v1/queue/depth'],
  ] as const)('answers 401 to an access token on %s %s', async (method, path) => {
    const body = method === 'POST' ? (path.endsWith('batch') ? { logs: [log()] } : log()) : undefined
    const res = await fixture.account.client.raw(method, path, { body })
    expectError(res, 401)
  })

  it('answers 401 without any credential, and for a garbage one', async () => {
    expectError(await anon.raw('POST', '/api/v1/ingest/single', { body: log(), credential: null }), 401)
    expectError(await anon.raw('GET', '/api/v1/queue/depth', { credential: 'ldg_nonsense' }), 401)
  })
})

describe('rate-limit headers on API-key responses', () => {
  it('carry X-RateLimit-Limit/Remaining/Reset on every response, 2xx and 4xx, Remaining -1 each', async () => {
    const { keyClient } = await accountWithKey(anon, 'limits')
    const calls: Array<[number, () => Promise<RawResponse>]> = [
      [200, () => keyClient.raw('GET', '/api/v1/queue/depth')],
      [202, () => ingestOne(keyClient)],
      [400, () => keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ level: 'loud' }) })],
      [202, () => keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs: [log(), { bad: 1 }] } })],
      [400, () => keyClient.raw('POST', '/api/v1/ingest/batch', { body: { logs: [] } })],
      [
        400,
        () =>
          keyClient.raw('POST', '/api/v1/ingest/single', {
            rawBody: '{"level": ',
            headers: { 'content-type': 'application/json' },
          }),
      ],
      [
        415,
        () =>
          keyClient.raw('POST', '/api/v1/ingest/single', {
            rawBody: 'hello',
            headers: { 'content-type': 'text/plain' },
          }),
      ],
      [200, () => keyClient.raw('GET', '/api/v1/dashboard/panels')],
      [404, () => keyClient.raw('DELETE', '/api/v1/dashboard/panels/panel_0000000000000000')],
      [200, () => keyClient.raw('GET', '/api/v1/queue/depth')],
    ]
    const nowSec = Math.floor(daemon.clock.now / 1000)
    let previous: number | undefined
    for (const [status, call] of calls) {
      const res = await call()
      expect(res.status, JSON.stringify(res.body)).toBe(status)
      expect(res.headers['x-ratelimit-limit']).toBe('1000')
      const remaining = Number(res.headers['x-ratelimit-remaining'])
      const reset = Number(res.headers['x-ratelimit-reset'])
      expect(Number.isInteger(remaining)).toBe(true)
      expect(Number.isInteger(reset)).toBe(true)
      expect(reset).toBeGreaterThan(nowSec)
      expect(remaining).toBe(previous === undefined ? 999 : previous - 1)
      previous = remaining
    }
  })

  it('answer 429 with Retry-After once the 1000 a minute are used, and refill with time', async () => {
    const { keyClient } = await accountWithKey(anon, 'exhaust')
    const depth = () => keyClient.raw('GET', '/api/v1/queue/depth')
    // The test clock stands still, so the bucket does not refill while we drain it.
    for (let sent = 0; sent < 1000; sent += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, depth))
      expect(batch.every((r) => r.status === 200)).toBe(true)
    }
    const denied = await depth()
    expectError(denied, 429, 'Rate limit exceeded: 1000 requests per minute')
    expect(denied.headers['x-ratelimit-limit']).toBe('1000')
    expect(denied.headers['x-ratelimit-remaining']).toBe('0')
    expect(Number(denied.headers['x-ratelimit-reset'])).toBeGreaterThan(Math.floor(daemon.clock.now / 1000))
    expect(denied.headers['retry-after']).toBe('1')
    // A denied request costs nothing; one token comes back every 60 ms (1000 a minute).
    daemon.clock.advance(61)
    const allowed = await depth()
    expect(allowed.status).toBe(200)
    expect(allowed.headers['x-ratelimit-remaining']).toBe('0')
    expect((await depth()).status).toBe(429)
  })

  it('counts per key: a second key of the same project starts full', async () => {
    const { account, project, keyClient } = await accountWithKey(anon, 'perkey')
    await keyClient.raw('GET', '/api/v1/queue/depth')
    await keyClient.raw('GET', '/api/v1/queue/depth')
    const second = await account.client.createApiKey(project.project_id, { name: 'second' })
    const res = await anon.raw('GET', '/api/v1/queue/depth', { credential: second.full_key })
    expect(res.headers['x-ratelimit-remaining']).toBe('999')
  })
})
