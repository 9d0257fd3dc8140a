import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { LogQuerySchema } from '../../src/contract/logs.js'
import { DaemonConfigSchema } from '../../src/daemon/config.js'
import { createServices, type Services } from '../../src/daemon/container.js'
import { DomainError, type ErrorKind } from '../../src/daemon/services/errors.js'
import type { KeyPrincipal } from '../../src/daemon/services/principal.js'
import { TEST_THROTTLES, uniqueEmail, waitFor } from '../helpers/daemon.js'
import { testTempDir } from '../helpers/tmp.js'

// The domain services called directly (no HTTP), on the storage seam's SQLite engine in a temp
// file: what each service answers, and the domain error it throws, whatever the transport.

let services: Services
const clock = Date.now()
const silent = { error: () => {}, warn: () => {} }

beforeAll(async () => {
  const config = DaemonConfigSchema.parse({
    dataDir: join(testTempDir('ledger-services-'), 'data'),
    port: 0,
    scryptLogN: 12,
    logLevel: 'silent',
    ...TEST_THROTTLES,
    maxProjectsPerAccount: 2,
  })
  services = await createServices({ config, now: () => clock, log: silent })
  await services.start()
})

afterAll(async () => {
  await services?.close()
})

/** The kind of domain error `p` rejects with (and its message matches `detail`). */
async function rejectsWith(p: Promise<unknown>, kind: ErrorKind, detail?: RegExp): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  const d = err as DomainError
  expect(d.kind).toBe(kind)
  if (detail) expect(d.message).toMatch(detail)
  return d
}

async function account() {
  const email = uniqueEmail('svc')
  const r = await services.accounts.register({ email, password: 'correct horse battery', name: 'Svc' }, '10.0.0.1')
  return { id: r.account_id, email, refresh: r.refresh_token, access: r.access_token }
}

async function keyFor(accountId: number, slug: string): Promise<{ key: string; who: KeyPrincipal; keyId: number }> {
  const project = await services.projects.create(accountId, { name: slug, slug, environment: 'dev' })
  const created = await services.apiKeys.create(accountId, project.project_id, { name: 'k' })
  const who = await services.apiKeys.authenticate(created.full_key)
  if (!who) throw new Error('a new key does not authenticate')
  return { key: created.full_key, who, keyId: created.key_id }
}

describe('accounts', () => {
  test('a second registration of one email is a conflict, and stores nothing', async () => {
    const a = await account()
    await rejectsWith(
      services.accounts.register({ email: a.email, password: 'another password', name: 'X' }, '10.0.0.2'),
      'conflict',
      /already registered/,
    )
    expect((await services.accounts.me(a.id)).name).toBe('Svc')
  })

  test('a wrong password is unauthenticated; the right one logs in', async () => {
    const a = await account()
    await rejectsWith(services.accounts.login({ email: a.email, password: 'wrong password!' }, '10.0.0.3'), 'unauthenticated')
    const ok = await services.accounts.login({ email: a.email, password: 'correct horse battery' }, '10.0.0.3')
    expect(await services.accounts.authenticate(ok.access_token)).toMatchObject({ accountId: a.id })
  })

  test('a refresh token used twice revokes its whole session, the newer tokens included', async () => {
    const a = await account()
    const next = await services.accounts.refresh(a.refresh)
    await rejectsWith(services.accounts.refresh(a.refresh), 'unauthenticated', /already used/)
    await rejectsWith(services.accounts.refresh(next.refresh_token), 'unauthenticated')
    expect(await services.accounts.authenticate(next.access_token)).toBeNull()
  })
})

describe('projects', () => {
  test("a slug taken is a conflict, another account's project is not found, the cap is a conflict", async () => {
    const a = await account()
    const b = await account()
    await services.projects.create(a.id, { name: 'One', slug: 'one', environment: 'dev' })
    await rejectsWith(services.projects.create(a.id, { name: 'One again', slug: 'one', environment: 'dev' }), 'conflict', /already exists/)
    await rejectsWith(services.projects.getBySlug(b.id, 'one'), 'not_found')
    await services.projects.create(a.id, { name: 'Two', slug: 'two', environment: 'dev' })
    await rejectsWith(services.projects.create(a.id, { name: 'Three', slug: 'three', environment: 'dev' }), 'conflict', /already has 2 projects/)
    expect((await services.projects.list(a.id)).projects.map((p) => p.slug).sort()).toEqual(['one', 'two'])
  })
})

describe('API keys', () => {
  test("a key's principal is its project; revoked, it no longer authenticates", async () => {
    const a = await account()
    const { key, who, keyId } = await keyFor(a.id, 'keys')
    expect(who).toMatchObject({ keyId, accountId: a.id })
    await services.apiKeys.revoke(a.id, keyId)
    expect(await services.apiKeys.authenticate(key)).toBeNull()
  })

  test("another account's key cannot be revoked or read: forbidden, and it still works", async () => {
    const a = await account()
    const b = await account()
    const { key, keyId } = await keyFor(a.id, 'mine')
    await rejectsWith(services.apiKeys.revoke(b.id, keyId), 'forbidden')
    await rejectsWith(services.apiKeys.get(b.id, keyId), 'forbidden')
    expect(await services.apiKeys.authenticate(key)).not.toBeNull()
  })

  test('a key for a project of another account is forbidden', async () => {
    const a = await account()
    const b = await account()
    const project = await services.projects.create(a.id, { name: 'Theirs', slug: 'theirs', environment: 'dev' })
    await rejectsWith(services.apiKeys.create(b.id, project.project_id, { name: 'k' }), 'forbidden')
  })
})

describe('ingestion and reading', () => {
  const body = (n: number, word: string) =>
    Buffer.from(
      JSON.stringify({
        logs: Array.from({ length: n }, (_, i) => ({
          timestamp: new Date(clock - 1000 + i).toISOString(),
          level: i === 0 ? 'error' : 'info',
          log_type: 'console',
          importance: 'standard',
          message: `${word} number ${i}`,
        })),
      }),
    )

  test('an accepted batch is stored at once, in order, and searchable once indexed', async () => {
    const a = await account()
    const { who } = await keyFor(a.id, 'ingest')
    const out = await services.ingest.batch(who, body(3, 'zebrafish'))
    expect(out.body).toMatchObject({ accepted: 3, rejected: 0 })
    expect(out.lastLogId).not.toBeNull()
    const page = await services.logs.list(who.projectId, LogQuerySchema.parse({}))
    expect(page.logs.map((l) => l.message)).toEqual(['zebrafish number 2', 'zebrafish number 1', 'zebrafish number 0'])
    const hits = await waitFor(async () => {
      const r = await services.logs.list(who.projectId, LogQuerySchema.parse({ q: 'zebrafish' }))
      return r.logs.length === 3 ? r : null
    })
    expect(hits.logs).toHaveLength(3)
  })

  test('an invalid log in a batch is reported by index, the others are stored', async () => {
    const a = await account()
    const { who } = await keyFor(a.id, 'partial')
    const raw = JSON.parse(body(2, 'otter').toString()) as { logs: Record<string, unknown>[] }
    raw.logs[1]!.level = 'loud'
    const out = await services.ingest.batch(who, Buffer.from(JSON.stringify(raw)))
    expect(out.body).toMatchObject({ accepted: 1, rejected: 1 })
    expect((out.body as { errors?: string[] }).errors?.[0]).toMatch(/^Log 1: level/)
    expect((await services.logs.list(who.projectId, LogQuerySchema.parse({}))).logs).toHaveLength(1)
  })

  test('a body that is not JSON is invalid, and nothing is stored', async () => {
    const a = await account()
    const { who } = await keyFor(a.id, 'garbage')
    await rejectsWith(services.ingest.batch(who, Buffer.from('{"logs": [')), 'invalid')
    expect((await services.logs.list(who.projectId, LogQuerySchema.parse({}))).logs).toHaveLength(0)
  })

  test('reading with an access token needs a project of the account: else not found', async () => {
    const a = await account()
    const b = await account()
    const { who } = await keyFor(a.id, 'reads')
    const claims = (await services.accounts.authenticate(b.access))!
    await rejectsWith(services.logs.projectFor({ kind: 'account', accountId: b.id, claims }, who.projectId), 'not_found')
    await rejectsWith(services.logs.list(
        who.projectId,
        LogQuerySchema.parse({ from: new Date(clock).toISOString(), to: new Date(clock - 1000).toISOString() }),
      ), 'invalid', /from must not be after to/)
  })
})
