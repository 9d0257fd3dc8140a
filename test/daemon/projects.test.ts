import { afterAll, beforeAll, describe, expect, it, test } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import { accountWithKey, log, registerAccount, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { expectError } from '../helpers/assertions.js'
import { onPostgres } from '../helpers/test-storage.js'

// Seed 000's project endpoints: create, list, get by slug; slugs unique per account, and
// another account's projects are invisible (404, never the object).

let daemon: TestDaemon
let anon: LedgerClient
/** An account for the tests that only need "some account". */
let owner: LedgerClient

beforeAll(async () => {
  daemon = await startTestDaemon()
  anon = daemon.client
  owner = (await registerAccount(anon)).client
})
afterAll(async () => {
  await daemon?.close()
})

let slugCounter = 0
/** A slug no other test of this file uses. */
const freshSlug = (tag = 'p') => `${tag}-${++slugCounter}`

function create(client: LedgerClient, body: unknown) {
  return client.raw('POST', '/api/v1/projects', { body })
}

describe('POST /api/v1/projects', () => {
  it('answers 201 with the project and the seed defaults (production, 30 days, 1000000 a day)', async () => {
    const slug = freshSlug('defaults')
    const res = await create(owner, { name: 'My Production App', slug })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({
      project_id: expect.any(Number),
      name: 'My Production App',
      slug,
      environment: 'production',
      retention_days: 30,
      daily_quota: 1000000,
    })
    expect(Number.isInteger((res.body as { project_id: number }).project_id)).toBe(true)
  })

  test.each(['production', 'staging', 'dev'])('accepts environment %s and echoes it', async (environment) => {
    const res = await create(owner, { name: 'Env', slug: freshSlug(environment), environment })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ environment })
  })

  it('lowercases the slug before checking and storing it (My-App → my-app)', async () => {
    const client = (await registerAccount(anon)).client
    const res = await create(client, { name: 'My App', slug: 'My-App' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ slug: 'my-app' })
    expect((await client.getProject('my-app')).slug).toBe('my-app')
  })

  test.each<[string, unknown]>([
    ['with a space', 'my app'],
    ['with an underscore', 'my_app'],
    ['with a non-ASCII letter', 'émoji'],
    ['with a dot', 'my.app'],
    ['with a slash', 'my/app'],
    ['empty', ''],
    ['longer than 255 characters', 'a'.repeat(256)],
    ['not a string', 42],
    ['missing', undefined],
  ])('answers 400 naming slug for a slug %s', async (_case, slug) => {
    expectError(await create(owner, { name: 'Bad slug', slug }), 400, 'slug')
  })

  test.each<[string, unknown]>([
    ['prod', 'prod'],
    ['test', 'test'],
    ['an empty string', ''],
    ['a number', 1],
    ['null', null],
  ])('answers 400 naming environment for environment %s', async (_case, environment) => {
    const res = await create(owner, { name: 'Bad env', slug: freshSlug('env'), environment })
    expectError(res, 400, 'environment')
  })

  it('names the allowed environments in the detail', async () => {
    const res = await create(owner, { name: 'Bad env', slug: freshSlug('env'), environment: 'qa' })
    expectError(res, 400, 'production', 'staging', 'dev')
  })

  test.each<[string, unknown]>([
    ['missing', undefined],
    ['empty', ''],
    ['longer than 255 characters', 'n'.repeat(256)],
    ['not a string', 7],
  ])('answers 400 naming name for a name %s', async (_case, name) => {
    expectError(await create(owner, { name, slug: freshSlug('name') }), 400, 'name')
  })

  it('accepts a name of 1 and of 255 characters', async () => {
    expect((await create(owner, { name: 'x', slug: freshSlug('n1') })).status).toBe(201)
    const res = await create(owner, { name: 'n'.repeat(255), slug: freshSlug('n255') })
    expect(res.status).toBe(201)
    expect((res.body as { name: string }).name).toHaveLength(255)
  })

  it('answers 409 for a slug the account already has', async () => {
    const slug = freshSlug('dup')
    expect((await create(owner, { name: 'First', slug })).status).toBe(201)
    expectError(await create(owner, { name: 'Second', slug }), 409)
  })

  it('answers 409 for a slug that differs from an existing one only in case', async () => {
    const slug = freshSlug('dupcase')
    expect((await create(owner, { name: 'First', slug })).status).toBe(201)
    expectError(await create(owner, { name: 'Second', slug: slug.toUpperCase() }), 409)
  })

  it('lets two different accounts use the same slug (both 201)', async () => {
    const a = (await registerAccount(anon)).client
    const b = (await registerAccount(anon)).client
    const first = await create(a, { name: 'A', slug: 'shared-slug' })
    const second = await create(b, { name: 'B', slug: 'shared-slug' })
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    const idA = (first.body as { project_id: number }).project_id
    const idB = (second.body as { project_id: number }).project_id
    expect(idA).not.toBe(idB)
    expect((await a.getProject('shared-slug')).project_id).toBe(idA)
    expect((await b.getProject('shared-slug')).project_id).toBe(idB)
  })

  it('answers 400 for a body that is not a JSON object', async () => {
    expectError(await create(owner, ['name', 'slug']), 400)
  })
})

describe('GET /api/v1/projects', () => {
  it('answers {projects, total} with the caller’s own projects only, in creation order', async () => {
    const a = (await registerAccount(anon)).client
    const b = (await registerAccount(anon)).client
    const a1 = await a.createProject({ name: 'A one', slug: 'one' })
    const a2 = await a.createProject({ name: 'A two', slug: 'two', environment: 'staging' })
    await b.createProject({ name: 'B one', slug: 'one' })

    const res = await a.raw('GET', '/api/v1/projects')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ projects: [a1, a2], total: 2 })
  })

  it('answers an empty list for an account without projects', async () => {
    const fresh = (await registerAccount(anon)).client
    expect(await fresh.listProjects()).toEqual({ projects: [], total: 0 })
  })
})

describe('GET /api/v1/projects/{slug}', () => {
  it('answers 200 with the project', async () => {
    const slug = freshSlug('get')
    const created = await owner.createProject({ name: 'Get me', slug, environment: 'dev' })
    const res = await owner.raw('GET', `/api/v1/projects/${slug}`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual(created)
  })

  it('lowercases the slug in the path too', async () => {
    const slug = freshSlug('upper')
    const created = await owner.createProject({ name: 'Upper', slug })
    expect(await owner.getProject(slug.toUpperCase())).toEqual(created)
  })

  it('answers 404 for a slug the account does not have', async () => {
    expectError(await owner.raw('GET', '/api/v1/projects/no-such-project'), 404)
  })

  it("answers 404 for another account's slug, without revealing the project", async () => {
    const a = (await registerAccount(anon)).client
    const b = (await registerAccount(anon)).client
    await a.createProject({ name: 'Secret', slug: 'secret-app' })
    const res = await b.raw('GET', '/api/v1/projects/secret-app')
    expectError(res, 404)
    expect(res.body).not.toHaveProperty('project_id')
    expect(JSON.stringify(res.body)).not.toContain('Secret')
  })
})

describe('authentication of the project endpoints', () => {
  test.each<[string, string, unknown]>([
    ['POST', '/api/v1/projects', { name: 'No auth', slug: 'no-auth' }],
    ['GET', '/api/v1/projects', undefined],
    ['GET', '/api/v1/projects/anything', undefined],
  ])('answers 401 to %s %s without a token', async (method, path, body) => {
    const res = await anon.raw(method as 'GET' | 'POST', path, { body, credential: null })
    expectError(res, 401)
  })

  it('answers 401 to an API key (projects need an access token)', async () => {
    const { keyClient } = await accountWithKey(anon, 'key-owner')
    expectError(await keyClient.raw('GET', '/api/v1/projects'), 401)
    expectError(await keyClient.raw('GET', '/api/v1/projects/key-owner'), 401)
    expectError(await create(keyClient, { name: 'Via key', slug: 'via-key' }), 401)
  })
})

describe('DELETE /api/v1/projects/{project_id}', () => {
  it('deletes the project with its logs (and their full-text entries), keys, panels and counts; 204', async () => {
    const a = await accountWithKey(anon, freshSlug('doomed'))
    const keep = await a.account.client.createProject({ name: 'Keep', slug: freshSlug('keep') })
    const keepKey = await a.account.client.createApiKey(keep.project_id, { name: 'k' })
    const word = `zebrafish${Date.now()}`
    await a.keyClient.ingestBatch([log({ level: 'error', message: `${word} one` }), log({ message: `${word} two` })])
    await anon.withCredential(keepKey.full_key).ingestBatch([log({ message: `${word} kept` })])
    // Indexed (searchable) first, so the index holds their text.
    await waitFor(async () => (await a.keyClient.queueDepth()).queue_depth === 0, 10_000, 'the logs to be indexed')
    await waitFor(async () => (await anon.withCredential(keepKey.full_key).queueDepth()).queue_depth === 0, 10_000, 'the kept log to be indexed')
    await a.account.client.createPanel({ name: 'P', index: 0, project_id: a.project.slug, type: 'logs', time_range_from: '2025-01-01T00:00:00Z', time_range_to: '2025-01-02T00:00:00Z' })
    const id = a.project.project_id
    // The full-text index is a file of its own on SQLite (its rows must go too); on PostgreSQL
    // the text's vector is in the log's row.
    const db = onPostgres ? null : daemon.inspect()
    const fts = () => (db!.prepare(`SELECT count(*) AS n FROM logs_fts WHERE logs_fts MATCH ?`).get(word) as { n: number }).n
    if (db) expect(fts()).toBe(3)

    const res = await a.account.client.raw('DELETE', `/api/v1/projects/${id}`)
    expect(res.status).toBe(204)

    const count = async (sql: string) => Number((await daemon.sql<{ n: number }>(sql, id))[0]!.n)
    expect(await count('SELECT count(*) AS n FROM logs WHERE project_id = ?')).toBe(0)
    expect(await count('SELECT count(*) AS n FROM log_minutes WHERE project_id = ?')).toBe(0)
    expect(await count('SELECT count(*) AS n FROM quota_usage WHERE project_id = ?')).toBe(0)
    expect(await count('SELECT count(*) AS n FROM api_keys WHERE project_id = ?')).toBe(0)
    expect(await count('SELECT count(*) AS n FROM projects WHERE id = ?')).toBe(0)
    expect((await a.account.client.listPanels()).panels).toEqual([])
    // Only the other project's log is left in the index.
    if (db) expect(fts()).toBe(1)
    const kept = await anon.withCredential(keepKey.full_key).logs({ q: word })
    expect(kept.logs.map((l) => l.message)).toEqual([`${word} kept`])
    // Its key no longer works, at once (it was cached by the ingest above).
    expect((await a.keyClient.raw('GET', '/api/v1/queue/depth')).status).toBe(401)
    expect((await a.account.client.raw('GET', `/api/v1/projects/${a.project.slug}`)).status).toBe(404)
    // The other project and its key are untouched.
    expect((await anon.withCredential(keepKey.full_key).raw('GET', '/api/v1/queue/depth')).status).toBe(200)
  })

  it("another account's project, or none: 404; without an access token: 401", async () => {
    const a = await accountWithKey(anon, freshSlug('mine'))
    const other = (await registerAccount(anon)).client
    expectError(await other.raw('DELETE', `/api/v1/projects/${a.project.project_id}`), 404, 'Project not found')
    expectError(await a.account.client.raw('DELETE', '/api/v1/projects/999999'), 404, 'Project not found')
    expectError(await a.keyClient.raw('DELETE', `/api/v1/projects/${a.project.project_id}`), 401)
    expectError(await anon.raw('DELETE', `/api/v1/projects/${a.project.project_id}`), 401)
    expect((await a.account.client.raw('GET', `/api/v1/projects/${a.project.slug}`)).status).toBe(200)
  })
})

