import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LedgerApiError, LedgerClient } from '../../src/client/index.js'
import { type SpawnedDaemon, spawnDaemon } from '../helpers/daemon.js'

// Seed 000's "Example Usage → Complete User Flow", step by step, against the real daemon
// process (`node bin/run.js daemon run`) with its production defaults (scrypt N=2^17).
describe('seed 000 example usage, against a spawned daemon', () => {
  let daemon: SpawnedDaemon
  let anon: LedgerClient

  beforeAll(async () => {
    daemon = await spawnDaemon()
    anon = new LedgerClient({ baseUrl: daemon.url })
  })
  afterAll(async () => {
    await anon.close()
    await daemon.stop()
    rmSync(daemon.home, { recursive: true, force: true })
  })

  it('runs the complete user flow as documented', async () => {
    expect(await anon.health()).toEqual({ status: 'healthy' })

    // 1. Register: 201 with a real JWT access token, no login needed.
    const reg = await anon.raw('POST', '/api/v1/accounts/register', {
      body: { email: 'User@Example.com', password: 'SecurePass123', name: 'John Doe' },
    })
    expect(reg.status).toBe(201)
    expect(reg.body).toMatchObject({
      token_type: 'bearer',
      account_id: 1,
      email: 'user@example.com',
      name: 'John Doe',
      expires_in: 3600,
      message: 'Account created successfully',
    })
    const regToken = (reg.body as { access_token: string }).access_token
    expect(regToken.split('.')).toHaveLength(3)

    // 2. Login for an existing account.
    const login = await anon.login({ email: 'user@example.com', password: 'SecurePass123' })
    expect(login).toMatchObject({
      token_type: 'bearer',
      account_id: 1,
      email: 'user@example.com',
      expires_in: 3600,
    })
    const me = anon.withCredential(login.access_token)
    expect(await me.me()).toMatchObject({ account_id: 1, email: 'user@example.com', name: 'John Doe' })

    // 3. Create a project, with the seed's defaults.
    const created = await me.raw('POST', '/api/v1/projects', {
      body: { name: 'My Production App', slug: 'my-prod-app', environment: 'production' },
    })
    expect(created.status).toBe(201)
    expect(created.body).toEqual({
      project_id: 1,
      name: 'My Production App',
      slug: 'my-prod-app',
      environment: 'production',
      retention_days: 30,
      daily_quota: 1000000,
    })

    // 4. Create an API key for it: shown once, in the documented format.
    const keyRes = await me.raw('POST', '/api/v1/projects/1/api-keys', {
      body: { name: 'Production API Key' },
    })
    expect(keyRes.status).toBe(201)
    const key = keyRes.body as { key_id: number; full_key: string; key_prefix: string; warning: string }
    expect(key.key_id).toBe(1)
    expect(key.full_key).toMatch(/^ldg_proj_1_[0-9A-Za-z]{40}$/)
    expect(key.key_prefix).toBe(key.full_key.slice(0, 'ldg_proj_1_'.length + 6))
    expect(key.warning).toBe('Save this key now! It will not be shown again.')

    // 5. List projects; 6. get one by slug.
    expect(await me.listProjects()).toEqual({ projects: [created.body], total: 1 })
    expect(await me.getProject('my-prod-app')).toEqual(created.body)

    // 8. Ingest with the key: single, batch, queue depth.
    const ingest = anon.withCredential(key.full_key)
    const single = await ingest.raw('POST', '/api/v1/ingest/single', {
      body: {
        timestamp: '2025-10-17T10:00:00Z',
        level: 'info',
        log_type: 'console',
        importance: 'standard',
        message: 'Application started',
      },
    })
    expect(single.status).toBe(202)
    expect(single.body).toEqual({ accepted: 1, rejected: 0, message: 'Log accepted for processing' })
    expect(single.headers['x-ratelimit-limit']).toBe('1000')

    const batch = await ingest.raw('POST', '/api/v1/ingest/batch', {
      body: {
        logs: [
          {
            timestamp: '2025-10-17T10:00:00Z',
            level: 'info',
            log_type: 'console',
            importance: 'standard',
            message: 'Request received',
          },
          {
            timestamp: '2025-10-17T10:00:01Z',
            level: 'info',
            log_type: 'console',
            importance: 'standard',
            message: 'Request processed',
          },
        ],
      },
    })
    expect(batch.status).toBe(202)
    expect(batch.body).toEqual({ accepted: 2, rejected: 0, errors: null })

    const depth = await ingest.queueDepth()
    expect(depth.project_id).toBe(1)
    expect(depth.queue_depth).toBeGreaterThanOrEqual(0)
    expect(depth.queue_depth).toBeLessThanOrEqual(3)

    // 7. Revoke the key: it stops working at once.
    const revoked = await me.raw('DELETE', '/api/v1/api-keys/1')
    expect(revoked.status).toBe(200)
    expect(revoked.body).toEqual({ success: true, message: 'API key 1 has been revoked' })
    const after = await ingest.raw('POST', '/api/v1/ingest/single', {
      body: { timestamp: '2025-10-17T10:00:00Z' },
    })
    expect(after.status).toBe(401)

    // 9. Logout: 204, and the token stops working.
    const out = await me.raw('POST', '/api/v1/accounts/logout')
    expect(out.status).toBe(204)
    await expect(me.me()).rejects.toSatisfy((e) => e instanceof LedgerApiError && e.status === 401)
    // The registration token is a different token and still works until it expires.
    expect((await anon.withCredential(regToken).me()).account_id).toBe(1)
  })
})
