import { afterAll, beforeAll, describe, expect, it, test } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import {
  accountWithKey,
  PASSWORD,
  registerAccount,
  startTestDaemon,
  type TestDaemon,
  uniqueEmail,
} from '../helpers/daemon.js'
import { expectError } from '../helpers/assertions.js'

// Seed 000's account endpoints (register, login, logout, me) and the access token they issue,
// against the real app on a real SQLite file.

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/

let daemon: TestDaemon
let anon: LedgerClient

beforeAll(async () => {
  daemon = await startTestDaemon()
  anon = daemon.client
})
afterAll(async () => {
  await daemon?.close()
})

function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

function register(body: unknown) {
  return anon.raw('POST', '/api/v1/accounts/register', { body })
}

describe('POST /api/v1/accounts/register', () => {
  it('answers 201 with the seed 000 body: a bearer access token, the account and a message', async () => {
    const email = uniqueEmail('shape')
    const res = await register({ email, password: PASSWORD, name: 'John Doe' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      access_token: expect.any(String),
      token_type: 'bearer',
      account_id: expect.any(Number),
      email,
      name: 'John Doe',
      expires_in: 3600,
      message: 'Account created successfully',
    })
    const body = res.body as { account_id: number; access_token: string }
    expect(Number.isInteger(body.account_id)).toBe(true)
    expect(body.access_token.split('.')).toHaveLength(3)
  })

  it('lowercases the email it stores and returns', async () => {
    const email = uniqueEmail('MixedCase')
    const res = await register({ email: email.toUpperCase(), password: PASSWORD, name: 'Case' })
    expect(res.status).toBe(201)
    expect((res.body as { email: string }).email).toBe(email.toLowerCase())
    const token = (res.body as { access_token: string }).access_token
    expect((await anon.withCredential(token).me()).email).toBe(email.toLowerCase())
  })

  // Every field rule of seed 000, each broken once; the detail names the field and the rule.
  const longEmail = `${'a'.repeat(244)}@example.com` // 256 characters
  test.each<[string, Record<string, unknown>, string[]]>([
    ['email is missing', { email: undefined }, ['email', 'required']],
    ['email is not a string', { email: 12345 }, ['email', 'string']],
    ['email is null', { email: null }, ['email', 'string']],
    ['email has no @', { email: 'user.example.com' }, ['email', 'valid email']],
    ['email has no domain dot', { email: 'user@localhost' }, ['email', 'valid email']],
    ['email has two @', { email: 'a@b@example.com' }, ['email', 'valid email']],
    ['email is longer than 255 characters', { email: longEmail }, ['email', '255']],
    ['email starts with a dot', { email: '.user@example.com' }, ['email', 'start']],
    ['email starts with an underscore', { email: '_user@example.com' }, ['email', 'start']],
    ['email ends with a dot', { email: 'user@example.com.' }, ['email', 'end']],
    ['email ends with a hyphen', { email: 'user@example-' }, ['email', 'end']],
    ['email has consecutive dots', { email: 'john..doe@example.com' }, ['email', 'consecutive dots']],
    ['password is missing', { password: undefined }, ['password', 'required']],
    ['password is not a string', { password: 12345678 }, ['password', 'string']],
    ['password is shorter than 8 characters', { password: 'Abcde12' }, ['password', '8']],
    ['password is longer than 64 characters', { password: `Ab1${'c'.repeat(62)}` }, ['password', '64']],
    ['password has no uppercase letter', { password: 'securepass123' }, ['password', 'uppercase']],
    ['password has no lowercase letter', { password: 'SECUREPASS123' }, ['password', 'lowercase']],
    ['password has no digit', { password: 'SecurePassword' }, ['password', 'digit']],
    ['name is missing', { name: undefined }, ['name', 'required']],
    ['name is not a string', { name: 42 }, ['name', 'string']],
    ['name is longer than 255 characters', { name: 'n'.repeat(256) }, ['name', '255']],
  ])('answers 400 (never 422) when %s, naming the field and the rule', async (_case, patch, words) => {
    const body = { email: uniqueEmail('bad'), password: PASSWORD, name: 'Valid Name', ...patch }
    const res = await register(body)
    expectError(res, 400, ...words)
  })

  test.each([
    ['empty', ''],
    ['only spaces', '   '],
  ])('answers 400 naming name when the name is %s', async (_case, name) => {
    const res = await register({ email: uniqueEmail('noname'), password: PASSWORD, name })
    const detail = expectError(res, 400, 'name')
    expect(detail).toMatch(/empty|at least 1 character/i)
  })

  it('answers 400 when the body is not a JSON object', async () => {
    expectError(await register(['not', 'an', 'object']), 400)
    expectError(await register('a string'), 400)
  })

  it('accepts each field at its limit: email of 255, password of 8 and of 64, name of 255', async () => {
    const email255 = `${'b'.repeat(243 - String(process.pid).length)}${process.pid}@example.com`
    expect(email255).toHaveLength(255)
    expect((await register({ email: email255, password: 'Abcdef12', name: 'n'.repeat(255) })).status).toBe(
      201,
    )
    const res = await register({ email: uniqueEmail('max'), password: `Ab1${'c'.repeat(61)}`, name: 'N' })
    expect(res.status).toBe(201)
  })

  it('answers 409 for an email that is already registered', async () => {
    const email = uniqueEmail('dup')
    expect((await register({ email, password: PASSWORD, name: 'First' })).status).toBe(201)
    expectError(await register({ email, password: PASSWORD, name: 'Second' }), 409)
  })

  it('answers 409 for an email that differs from a registered one only in case', async () => {
    const email = uniqueEmail('dupcase')
    expect((await register({ email, password: PASSWORD, name: 'First' })).status).toBe(201)
    expectError(await register({ email: email.toUpperCase(), password: PASSWORD, name: 'Second' }), 409)
  })
})

describe('the access token', () => {
  it('is a real 3-part HS256 JWT whose payload has sub, exp (1 hour) and jti', async () => {
    const reg = await registerAccount(anon)
    const parts = reg.access_token.split('.')
    expect(parts).toHaveLength(3)
    const header = decodePart(parts[0]!)
    const payload = decodePart(parts[1]!)
    expect(header['alg']).toBe('HS256')
    expect(payload['sub']).toBe(String(reg.account_id))
    expect(typeof payload['jti']).toBe('string')
    expect((payload['jti'] as string).length).toBeGreaterThan(0)
    expect(payload['exp']).toBe(Math.floor(daemon.clock.now / 1000) + 3600)
    expect(parts[2]!.length).toBeGreaterThan(0)
  })

  it('has a jti that differs between two tokens of one account', async () => {
    const email = uniqueEmail('jti')
    const reg = await registerAccount(anon, email)
    const login = await anon.login({ email, password: PASSWORD })
    const jti = (t: string) => decodePart(t.split('.')[1]!)['jti']
    expect(jti(login.access_token)).not.toBe(jti(reg.access_token))
  })
})

describe('POST /api/v1/accounts/login', () => {
  let email: string
  let accountId: number

  beforeAll(async () => {
    email = uniqueEmail('login')
    accountId = (await registerAccount(anon, email)).account_id
  })

  it('answers 200 with the seed 000 body and a working token', async () => {
    const res = await anon.raw('POST', '/api/v1/accounts/login', { body: { email, password: PASSWORD } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      access_token: expect.any(String),
      token_type: 'bearer',
      account_id: accountId,
      email,
      expires_in: 3600,
    })
    const token = (res.body as { access_token: string }).access_token
    expect((await anon.withCredential(token).me()).account_id).toBe(accountId)
  })

  it('lowercases the email before looking the account up', async () => {
    const res = await anon.raw('POST', '/api/v1/accounts/login', {
      body: { email: email.toUpperCase(), password: PASSWORD },
    })
    expect(res.status).toBe(200)
    expect((res.body as { email: string }).email).toBe(email)
  })

  it('answers 401 "Invalid email or password" for a wrong password', async () => {
    const res = await anon.raw('POST', '/api/v1/accounts/login', {
      body: { email, password: 'WrongPass123' },
    })
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ detail: 'Invalid email or password' })
  })

  it('answers 401 with the same detail for an unknown email (no account enumeration)', async () => {
    const wrong = await anon.raw('POST', '/api/v1/accounts/login', {
      body: { email, password: 'WrongPass123' },
    })
    const unknown = await anon.raw('POST', '/api/v1/accounts/login', {
      body: { email: uniqueEmail('nobody'), password: PASSWORD },
    })
    expect(unknown.status).toBe(401)
    expect(unknown.body).toEqual(wrong.body)
    expect(unknown.body).toMatchObject({ detail: 'Invalid email or password' })
  })

  it('answers 400 (not 401) for a body that breaks the field rules', async () => {
    expectError(
      await anon.raw('POST', '/api/v1/accounts/login', { body: { password: PASSWORD } }),
      400,
      'email',
    )
    expectError(await anon.raw('POST', '/api/v1/accounts/login', { body: { email } }), 400, 'password')
  })
})

describe('GET /api/v1/accounts/me', () => {
  it('answers the account fields with created_at in ISO 8601 UTC', async () => {
    const email = uniqueEmail('me')
    const reg = await anon.register({ email, password: PASSWORD, name: 'Jane Roe' })
    const res = await anon.raw('GET', '/api/v1/accounts/me', { credential: reg.access_token })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ account_id: reg.account_id, email, name: 'Jane Roe' })
    const createdAt = (res.body as { created_at: string }).created_at
    expect(createdAt).toMatch(ISO_UTC)
    expect(Date.parse(createdAt)).toBe(daemon.clock.now)
  })

  it('answers 401 without a credential', async () => {
    expectError(await anon.raw('GET', '/api/v1/accounts/me', { credential: null }), 401)
  })

  it('answers 401 for a garbage bearer token', async () => {
    expectError(await anon.raw('GET', '/api/v1/accounts/me', { credential: 'not-a-token' }), 401)
    expectError(await anon.raw('GET', '/api/v1/accounts/me', { credential: 'a.b.c' }), 401)
  })

  it('answers 401 for an Authorization header that is not a bearer token', async () => {
    const reg = await registerAccount(anon)
    const res = await anon.raw('GET', '/api/v1/accounts/me', {
      credential: null,
      headers: { authorization: `Basic ${reg.access_token}` },
    })
    expectError(res, 401)
  })

  it('answers 401 for an API key (the wrong kind of credential)', async () => {
    const { key } = await accountWithKey(anon, 'me-key')
    expectError(await anon.raw('GET', '/api/v1/accounts/me', { credential: key.full_key }), 401)
    const viaHeader = await anon.raw('GET', '/api/v1/accounts/me', {
      credential: null,
      headers: { 'x-api-key': key.full_key },
    })
    expectError(viaHeader, 401)
  })

  it('answers 401 for a token with one character of its signature changed', async () => {
    const reg = await registerAccount(anon)
    const [h, p, s] = reg.access_token.split('.') as [string, string, string]
    // The first character carries 6 full bits of the signature (the last one may carry padding).
    const tampered = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`
    expect(tampered).not.toBe(reg.access_token)
    expectError(await anon.raw('GET', '/api/v1/accounts/me', { credential: tampered }), 401)
  })

  it("answers 401 for a token whose payload was changed to another account's id", async () => {
    const victim = await registerAccount(anon)
    const attacker = await registerAccount(anon)
    const [h, p, s] = attacker.access_token.split('.') as [string, string, string]
    const forged = `${h}.${b64({ ...decodePart(p), sub: String(victim.account_id) })}.${s}`
    expectError(await anon.raw('GET', '/api/v1/accounts/me', { credential: forged }), 401)
  })

  it('answers 401 for an unsigned token built by hand with alg "none"', async () => {
    const reg = await registerAccount(anon)
    const payload = decodePart(reg.access_token.split('.')[1]!)
    const header = decodePart(reg.access_token.split('.')[0]!)
    for (const token of [
      `${b64({ ...header, alg: 'none' })}.${b64(payload)}.`,
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`,
      `${b64({ ...header, alg: 'none' })}.${b64(payload)}.${reg.access_token.split('.')[2]}`,
    ]) {
      expectError(await anon.raw('GET', '/api/v1/accounts/me', { credential: token }), 401)
    }
  })
})

describe('POST /api/v1/accounts/logout', () => {
  it('answers 204 with no body, after which the token gets 401 on /me and on logout', async () => {
    const email = uniqueEmail('logout')
    const reg = await registerAccount(anon, email)
    const other = await anon.login({ email, password: PASSWORD })
    expect((await reg.client.me()).account_id).toBe(reg.account_id)

    const out = await reg.client.raw('POST', '/api/v1/accounts/logout')
    expect(out.status).toBe(204)
    expect(out.body).toBeNull()

    expectError(await reg.client.raw('GET', '/api/v1/accounts/me'), 401)
    expectError(await reg.client.raw('POST', '/api/v1/accounts/logout'), 401)
    // Only the token that logged out is revoked: another session of the account still works.
    expect((await anon.withCredential(other.access_token).me()).account_id).toBe(reg.account_id)
  })

  it('answers 401 without a credential', async () => {
    expectError(await anon.raw('POST', '/api/v1/accounts/logout', { credential: null }), 401)
  })
})

describe('request bodies', () => {
  it('answers 400 with a detail for malformed JSON', async () => {
    const res = await anon.raw('POST', '/api/v1/accounts/register', {
      rawBody: '{"email": "x@example.com", "password": ',
      headers: { 'content-type': 'application/json' },
    })
    expectError(res, 400, 'json')
  })

  it('answers 400 with a detail for an empty JSON body', async () => {
    const res = await anon.raw('POST', '/api/v1/accounts/login', {
      rawBody: '',
      headers: { 'content-type': 'application/json' },
    })
    expectError(res, 400)
  })

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'answers 415 for a body sent as %s',
    async (contentType) => {
      const res = await anon.raw('POST', '/api/v1/accounts/register', {
        rawBody: JSON.stringify({ email: uniqueEmail('ct'), password: PASSWORD, name: 'CT' }),
        headers: { 'content-type': contentType },
      })
      expectError(res, 415)
    },
  )

  test.each(['text/plain', 'application/json'])(
    'does not refuse a body-less logout sent with Content-Type %s',
    async (contentType) => {
      const reg = await registerAccount(anon)
      const res = await reg.client.raw('POST', '/api/v1/accounts/logout', {
        rawBody: '',
        headers: { 'content-type': contentType },
      })
      expect(res.status, JSON.stringify(res.body)).toBe(204)
    },
  )

  it('accepts application/json with a charset parameter', async () => {
    const res = await anon.raw('POST', '/api/v1/accounts/register', {
      rawBody: JSON.stringify({ email: uniqueEmail('charset'), password: PASSWORD, name: 'CS' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(res.status).toBe(201)
  })
})
