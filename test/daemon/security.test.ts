import { chmodSync, readdirSync, rmSync, statSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LedgerApiError, LedgerClient } from '../../src/client/index.js'
import {
  accountWithKey,
  log,
  PASSWORD,
  registerAccount,
  spawnDaemon,
  startTestDaemon,
  type TestDaemon,
  tempHome,
  uniqueEmail,
} from '../helpers/daemon.js'

const is401 = (e: unknown) => e instanceof LedgerApiError && e.status === 401

/** A raw HTTP request, so that Host can be anything (fetch and undici set it themselves). */
function rawHttp(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      let body = ''
      res.on('data', (c) => {
        body += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('sessions: rotating refresh tokens', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon()
  })
  afterAll(async () => {
    await d.close()
  })

  it('returns a refresh token from register and login, and refresh rotates it (the old one stops working)', async () => {
    const reg = await registerAccount(d.client)
    expect(reg.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const login = await d.client.login({ email: reg.email, password: PASSWORD })
    const next = await d.client.refresh(login.refresh_token)
    expect(next.refresh_token).not.toBe(login.refresh_token)
    expect((await d.client.withCredential(next.access_token).me()).account_id).toBe(reg.account_id)
    const again = await d.client.raw('POST', '/api/v1/accounts/refresh', { body: { refresh_token: login.refresh_token } })
    expect(again.status).toBe(401)
  })

  it('revokes the whole family when a spent refresh token is reused: the newer tokens die too', async () => {
    const reg = await registerAccount(d.client)
    const first = reg.refresh_token
    const second = await d.client.refresh(first)
    // An attacker replays the stolen, already spent token.
    await expect(d.client.refresh(first)).rejects.toSatisfy(is401)
    // The legitimate holder's newer refresh token and access token no longer work.
    await expect(d.client.refresh(second.refresh_token)).rejects.toSatisfy(is401)
    await expect(d.client.withCredential(second.access_token).me()).rejects.toSatisfy(is401)
    await expect(reg.client.me()).rejects.toSatisfy(is401)
  })

  it('revokes a session with accounts/revoke (200 {}), also for an unknown token', async () => {
    const reg = await registerAccount(d.client)
    const r = await d.client.raw('POST', '/api/v1/accounts/revoke', { body: { refresh_token: reg.refresh_token } })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({})
    await expect(d.client.refresh(reg.refresh_token)).rejects.toSatisfy(is401)
    await expect(reg.client.me()).rejects.toSatisfy(is401)
    const unknown = await d.client.raw('POST', '/api/v1/accounts/revoke', { body: { refresh_token: 'nope' } })
    expect(unknown.status).toBe(200)
    expect((await d.client.raw('POST', '/api/v1/accounts/revoke', { body: {} })).status).toBe(400)
  })

  it('logout revokes the access token and its refresh family; other sessions live on', async () => {
    const reg = await registerAccount(d.client)
    const other = await d.client.login({ email: reg.email, password: PASSWORD })
    await reg.client.logout()
    await expect(reg.client.me()).rejects.toSatisfy(is401)
    await expect(d.client.refresh(reg.refresh_token)).rejects.toSatisfy(is401)
    expect((await d.client.withCredential(other.access_token).me()).account_id).toBe(reg.account_id)
  })

  it('refuses an expired refresh token', async () => {
    const reg = await registerAccount(d.client)
    d.clock.advance(31 * 86_400_000)
    await expect(d.client.refresh(reg.refresh_token)).rejects.toSatisfy(is401)
  })

  it('lists the account’s projects in /me', async () => {
    const reg = await registerAccount(d.client)
    const p = await reg.client.createProject({ name: 'Shown', slug: 'shown' })
    expect((await reg.client.me()).projects).toEqual([{ project_id: p.project_id, name: 'Shown', slug: 'shown' }])
  })
})

describe('brute force: failed logins lock the account for a while', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon()
  })
  afterAll(async () => {
    await d.close()
  })

  it('answers 429 with Retry-After after 5 failures in 5 minutes, even for the right password; a success resets it', async () => {
    const reg = await registerAccount(d.client)
    for (let i = 0; i < 5; i++) {
      expect((await d.client.raw('POST', '/api/v1/accounts/login', { body: { email: reg.email, password: 'WrongPass1' } })).status).toBe(401)
    }
    const locked = await d.client.raw('POST', '/api/v1/accounts/login', { body: { email: reg.email, password: PASSWORD } })
    expect(locked.status).toBe(429)
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0)
    d.clock.advance(31_000)
    expect((await d.client.raw('POST', '/api/v1/accounts/login', { body: { email: reg.email, password: PASSWORD } })).status).toBe(200)
    // Reset by the success: 4 more failures do not lock.
    for (let i = 0; i < 4; i++) await d.client.raw('POST', '/api/v1/accounts/login', { body: { email: reg.email, password: 'WrongPass1' } })
    expect((await d.client.raw('POST', '/api/v1/accounts/login', { body: { email: reg.email, password: PASSWORD } })).status).toBe(200)
  })

  it('locks longer at each new lockout, up to 15 minutes, and locks unknown emails alike', async () => {
    const email = uniqueEmail('ghost')
    const fail = () => d.client.raw('POST', '/api/v1/accounts/login', { body: { email, password: 'WrongPass1' } })
    const waits: number[] = []
    for (let round = 0; round < 7; round++) {
      for (let i = 0; i < 5; i++) await fail()
      const r = await fail()
      expect(r.status).toBe(429)
      const wait = Number(r.headers['retry-after'])
      waits.push(wait)
      d.clock.advance(wait * 1000)
    }
    expect(waits.slice(0, 3)).toEqual([30, 60, 120])
    expect(Math.max(...waits)).toBe(900)
  })
})

describe('local-daemon hardening', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon()
  })
  afterAll(async () => {
    await d.close()
  })

  it('refuses a foreign Host (DNS rebinding) with 403 and accepts loopback names', async () => {
    const evil = await rawHttp(d.url, '/health', { host: 'evil.example' })
    expect(evil.status).toBe(403)
    expect(JSON.parse(evil.body).detail).toContain('evil.example')
    const port = new URL(d.url).port
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost']) {
      expect((await rawHttp(d.url, '/health', { host })).status).toBe(200)
    }
  })

  it('refuses a request with a foreign Origin, sends no CORS headers, and accepts requests without one', async () => {
    const foreign = await d.client.raw('GET', '/health', { headers: { origin: 'https://evil.example' } })
    expect(foreign.status).toBe(403)
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined()
    const nullOrigin = await d.client.raw('GET', '/health', { headers: { origin: 'null' } })
    expect(nullOrigin.status).toBe(403)
    const same = await d.client.raw('GET', '/health', { headers: { origin: d.url } })
    expect(same.status).toBe(200)
    expect((await d.client.raw('GET', '/health')).status).toBe(200)
  })

  it('limits JSON nesting depth (64 levels are fine, 65 are refused with 400)', async () => {
    const nested = (n: number) => `{"email":"a@example.com","password":"Abcdefg1","x":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`
    const ok = await d.client.raw('POST', '/api/v1/accounts/login', { rawBody: nested(64), headers: { 'content-type': 'application/json' } })
    expect(ok.status).toBe(401) // parsed and validated: only the credentials are wrong
    const deep = await d.client.raw('POST', '/api/v1/accounts/login', { rawBody: nested(65), headers: { 'content-type': 'application/json' } })
    expect(deep.status).toBe(400)
    expect((deep.body as { detail: string }).detail).toMatch(/nests deeper/)
  })
})

describe('data files are owner-only, whatever the umask', () => {
  it('narrows a widened data dir and its files back to 0700/0600 at start, and keeps logouts across a restart', async () => {
    const home = tempHome()
    try {
      const first = await spawnDaemon({ home, env: { LEDGER_SCRYPT_LOG_N: '12' } })
      const client = new LedgerClient({ baseUrl: first.url })
      const reg = await client.register({ email: uniqueEmail(), password: PASSWORD, name: 'P' })
      await client.withCredential(reg.access_token).logout()
      await first.stop()
      const data = join(home, 'data')
      chmodSync(data, 0o755)
      for (const f of readdirSync(data)) chmodSync(join(data, f), 0o644)

      const second = await spawnDaemon({ home, env: { LEDGER_SCRYPT_LOG_N: '12' } })
      try {
        expect(statSync(data).mode & 0o777).toBe(0o700)
        for (const f of readdirSync(data)) {
          const st = statSync(join(data, f))
          if (st.isFile()) expect(st.mode & 0o777, f).toBe(0o600)
        }
        // The denylist is in the database: a logged-out token stays dead after a restart.
        const again = new LedgerClient({ baseUrl: second.url, credential: reg.access_token })
        await expect(again.me()).rejects.toSatisfy(is401)
        await again.close()
      } finally {
        await second.stop()
      }
      await client.close()
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})

describe('email one-time codes (seed 004), delivered to the daemon log without SMTP', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon({}, { captureLog: true })
  })
  afterAll(async () => {
    await d.close()
  })

  /** The code the daemon wrote to its log for this email (what a local user reads). */
  const codeFor = (email: string) => {
    const line = [...d.logLines()].reverse().find((l) => l.includes(`verification code for ${email}`))
    return line ? /: (\d{6}) /.exec(JSON.parse(line).msg)?.[1] : undefined
  }
  const send = (email: string) => d.client.raw('POST', '/api/v1/accounts/verification/send-code', { body: { email } })
  const verify = (email: string, code: string) =>
    d.client.raw('POST', '/api/v1/accounts/verification/verify-code', { body: { email, code } })

  it('sends a 6-digit code (202) that logs in once and only once', async () => {
    const reg = await registerAccount(d.client)
    expect((await send(reg.email.toUpperCase())).status).toBe(202)
    const code = codeFor(reg.email)
    expect(code).toMatch(/^\d{6}$/)
    const ok = await verify(reg.email, code!)
    expect(ok.status).toBe(200)
    const pair = ok.body as { access_token: string; refresh_token: string; account_id: number }
    expect(pair.account_id).toBe(reg.account_id)
    expect((await d.client.withCredential(pair.access_token).me()).email).toBe(reg.email)
    expect((await verify(reg.email, code!)).status).toBe(401)
  })

  it('answers 202 for an unknown email and issues nothing', async () => {
    const email = uniqueEmail('nobody')
    expect((await send(email)).status).toBe(202)
    expect(codeFor(email)).toBeUndefined()
    expect((await verify(email, '123456')).status).toBe(401)
  })

  it('kills a code after 5 wrong attempts, and codes expire after 10 minutes', async () => {
    const reg = await registerAccount(d.client)
    await send(reg.email)
    const code = codeFor(reg.email)!
    const wrong = code === '000000' ? '000001' : '000000'
    for (let i = 0; i < 5; i++) expect((await verify(reg.email, wrong)).status).toBe(401)
    expect((await verify(reg.email, code)).status).toBe(401)

    // One code a minute per email (send-code's throttle).
    d.clock.advance(60_000)
    const sent = () => d.logLines().filter((l) => l.includes(`verification code for ${reg.email}`)).length
    const before = sent()
    expect((await send(reg.email)).status).toBe(202)
    expect(sent()).toBe(before + 1)
    const fresh = codeFor(reg.email)!
    d.clock.advance(10 * 60_000 + 1)
    expect((await verify(reg.email, fresh)).status).toBe(401)
  })

  it('validates the payloads (400)', async () => {
    expect((await send('not-an-email')).status).toBe(400)
    expect((await verify('a@example.com', '12345')).status).toBe(400)
    expect((await verify('a@example.com', 'abcdef')).status).toBe(400)
  })
})

describe('API key scopes and expiry (seed 004)', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon()
  })
  afterAll(async () => {
    await d.close()
  })

  it('gives a new key every scope by default and shows scopes and expiry in listings', async () => {
    const { account, key, project } = await accountWithKey(d.client, 'scopes-default')
    const limited = await account.client.createApiKey(project.project_id, {
      name: 'ci',
      scopes: ['ingest'],
      expires_in_days: 7,
    })
    const list = await account.client.listApiKeys({ projectId: project.project_id })
    const byId = new Map(list.api_keys.map((k) => [k.id, k]))
    expect(byId.get(key.key_id)).toMatchObject({ scopes: ['ingest', 'read', 'panels'], expires_at: null })
    const ci = byId.get(limited.key_id)!
    expect(ci.scopes).toEqual(['ingest'])
    expect(Date.parse(ci.expires_at!) - d.clock.now).toBe(7 * 86_400_000)
  })

  it('refuses a call outside the key’s scopes with 403, and allows what is inside', async () => {
    const { account, project } = await accountWithKey(d.client, 'scopes-enforced')
    const ingestOnly = await account.client.createApiKey(project.project_id, { name: 'i', scopes: ['ingest'] })
    const readOnly = await account.client.createApiKey(project.project_id, { name: 'r', scopes: ['read'] })
    const i = d.client.withCredential(ingestOnly.full_key)
    const r = d.client.withCredential(readOnly.full_key)
    expect((await i.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(202)
    expect((await i.raw('GET', '/api/v1/queue/depth')).status).toBe(200)
    const denied = await i.raw('GET', '/api/v1/logs')
    expect(denied.status).toBe(403)
    expect((denied.body as { detail: string }).detail).toContain("'read'")
    expect((await i.raw('GET', '/api/v1/dashboard/panels')).status).toBe(403)
    expect((await r.raw('GET', '/api/v1/logs')).status).toBe(200)
    expect((await r.raw('POST', '/api/v1/ingest/single', { body: log() })).status).toBe(403)
    expect((await r.raw('POST', '/api/v1/ingest/batch', { body: { logs: [log()] } })).status).toBe(403)
  })

  it('refuses an expired key with 401, also as the subject of /check', async () => {
    const { account, project } = await accountWithKey(d.client, 'expiry')
    const k = await account.client.createApiKey(project.project_id, { name: 'short', expires_in_days: 1 })
    const c = d.client.withCredential(k.full_key)
    expect((await c.raw('GET', '/api/v1/queue/depth')).status).toBe(200)
    d.clock.advance(86_400_000)
    const expired = await c.raw('GET', '/api/v1/queue/depth')
    expect(expired.status).toBe(401)
    expect((expired.body as { detail: string }).detail).toMatch(/expired/)
    expect((await d.client.raw('POST', '/api/v1/check', { body: { api_key: k.full_key } })).status).toBe(401)
  })

  it('validates scopes and expires_in_days (400)', async () => {
    const { account, project } = await accountWithKey(d.client, 'scope-validation')
    for (const body of [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['admin'] },
      { name: 'x', scopes: 'ingest' },
      { name: 'x', expires_in_days: 0 },
      { name: 'x', expires_in_days: 1.5 },
      { name: 'x', expires_in_days: 3651 },
    ]) {
      const r = await account.client.raw('POST', `/api/v1/projects/${project.project_id}/api-keys`, { body })
      expect(r.status, JSON.stringify(body)).toBe(400)
    }
  })
})

describe('password hashing', () => {
  it('upgrades a hash made with weaker parameters at the next login', async () => {
    const home = tempHome()
    try {
      const weak = await spawnDaemon({ home, env: { LEDGER_SCRYPT_LOG_N: '11' } })
      const c1 = new LedgerClient({ baseUrl: weak.url })
      const email = uniqueEmail('upgrade')
      await c1.register({ email, password: PASSWORD, name: 'U' })
      await c1.close()
      await weak.stop()
      const hashOf = async () => {
        const { default: Database } = await import('better-sqlite3')
        const db = new Database(join(home, 'data', 'ledger.db'), { readonly: true })
        const row = db.prepare('SELECT password_hash FROM accounts WHERE email = ?').get(email) as { password_hash: string }
        db.close()
        return row.password_hash
      }
      expect(await hashOf()).toMatch(/^scrypt\$11\$8\$1\$/)
      const strong = await spawnDaemon({ home, env: { LEDGER_SCRYPT_LOG_N: '12' } })
      const c2 = new LedgerClient({ baseUrl: strong.url })
      await c2.login({ email, password: PASSWORD })
      await c2.close()
      await strong.stop()
      expect(await hashOf()).toMatch(/^scrypt\$12\$8\$1\$/)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })

  it('lets a script on this machine register and log in 60 times in a row (successful logins take no per-address slot; registrations are relaxed in tests)', async () => {
    const d = await startTestDaemon()
    try {
      for (let i = 0; i < 60; i++) {
        const reg = await registerAccount(d.client)
        expect((await d.client.raw('POST', '/api/v1/accounts/login', { body: { email: reg.email, password: PASSWORD } })).status).toBe(200)
      }
    } finally {
      await d.close()
    }
  })
})
