import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerClient, LedgerTail } from '../../src/client/index.js'
import { SseParser } from '../../src/client/sse.js'
import { expectError } from '../helpers/assertions.js'
import { accountWithKey, log, registerAccount, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'
import { consume } from '../helpers/tails.js'

// Issue #14, item 3: a live tail ends, saying why, within a second of its credential no longer
// being valid (revoked, disabled, expired, logged out, session revoked, refresh token reused,
// scope removed); and a request whose body is still arriving is refused once its credential is
// revoked. Tails per key and per account are capped (item 5).

/** Opens a tail, checks it delivers, runs `revoke`, and returns how long the tail took to end and why. */
async function endsAfter(tail: LedgerTail, feeder: LedgerClient, revoke: () => Promise<unknown>) {
  const run = consume(tail)
  await feeder.ingestSingle(log({ message: 'before' }))
  await waitFor(() => run.events.length === 1, 5000, 'the tail to deliver')
  await revoke()
  const t0 = Date.now()
  await run.done
  const ms = Date.now() - t0
  return { ms, ended: tail.ended, events: run.events }
}

describe('a live tail ends when its credential stops being valid', () => {
  let d: TestDaemon

  beforeAll(async () => {
    d = await startTestDaemon()
  })
  afterAll(async () => {
    await d.close()
  })

  it('API key revoked: the stream ends within a second with event "end", reason key_revoked', async () => {
    const { account, key, keyClient, project } = await accountWithKey(d.client, 'rev-key')
    // The feeder is another key of the project: the revoked one can no longer send.
    const feeder = d.client.withCredential((await account.client.createApiKey(project.project_id, { name: 'feeder' })).full_key)
    const r = await endsAfter(await keyClient.tail(), feeder, () => account.client.revokeApiKey(key.key_id))
    expect(r.ms).toBeLessThan(1000)
    expect(r.ended).toEqual({ reason: 'key_revoked', detail: `API key ${key.key_id} was revoked` })
    // Nothing after the revocation reaches it, and reconnecting is refused.
    await feeder.ingestSingle(log({ message: 'after' }))
    expect(r.events.map((e) => e.log.message)).toEqual(['before'])
    await expect(keyClient.tail()).rejects.toMatchObject({ status: 401 })
    await waitFor(() => d.services.tail.count === 0)
  })

  it('API key disabled: key_disabled; tails of other keys go on', async () => {
    const { account, key, keyClient, project } = await accountWithKey(d.client, 'dis-key')
    const other = d.client.withCredential((await account.client.createApiKey(project.project_id, { name: 'other' })).full_key)
    const otherRun = consume(await other.tail())
    const r = await endsAfter(await keyClient.tail(), other, () => account.client.updateApiKey(key.key_id, { is_active: false }))
    expect(r.ms).toBeLessThan(1000)
    expect(r.ended?.reason).toBe('key_disabled')
    await other.ingestSingle(log({ message: 'still here' }))
    await waitFor(() => otherRun.events.some((e) => e.log.message === 'still here'), 5000, 'the other tail to go on')
    // Renaming a key (an update that leaves it valid) ends nothing.
    await account.client.updateApiKey(key.key_id, { is_active: true })
    const again = consume(await keyClient.tail())
    await account.client.updateApiKey(key.key_id, { name: 'renamed' })
    await other.ingestSingle(log({ message: 'after rename' }))
    await waitFor(() => again.events.some((e) => e.log.message === 'after rename'), 5000, 'the renamed key to tail on')
  })

  it('API key expired: key_expired, by the daemon clock, within a second', async () => {
    const { account, project } = await accountWithKey(d.client, 'exp-key')
    const expiring = await account.client.createApiKey(project.project_id, { name: 'short', expires_in_days: 1 })
    const feeder = d.client.withCredential((await account.client.createApiKey(project.project_id, { name: 'feeder' })).full_key)
    const r = await endsAfter(await d.client.withCredential(expiring.full_key).tail(), feeder, async () => {
      d.clock.advance(86_400_000 + 1000)
    })
    expect(r.ms).toBeLessThan(1000)
    expect(r.ended?.reason).toBe('key_expired')
  })

  it('a scope removed from the key: key_scope_removed', async () => {
    const { key, keyClient } = await accountWithKey(d.client, 'scope-key')
    const tail = await keyClient.tail()
    const run = consume(tail)
    // No endpoint changes scopes yet: change the row and announce it as the key service does.
    await d.sqlWrite("UPDATE api_keys SET scopes = 'ingest' WHERE id = ?", key.key_id)
    const t0 = Date.now()
    d.services.credentials.emit({ kind: 'key', keyId: key.key_id })
    await run.done
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(tail.ended).toEqual({ reason: 'key_scope_removed', detail: `API key ${key.key_id} no longer has the 'read' scope` })
  })

  it('access token logged out: logged_out', async () => {
    const { account, project, keyClient } = await accountWithKey(d.client, 'logout-tok')
    const tail = await account.client.tail({ project_id: project.project_id })
    const r = await endsAfter(tail, keyClient, () => account.client.logout())
    expect(r.ms).toBeLessThan(1000)
    expect(r.ended?.reason).toBe('logged_out')
  })

  it('session revoked with /accounts/revoke: session_revoked; another session of the account goes on', async () => {
    const { account, project, keyClient } = await accountWithKey(d.client, 'revoke-tok')
    const second = await d.client.login({ email: account.email, password: 'SecurePass123' })
    const otherRun = consume(await d.client.withCredential(second.access_token).tail({ project_id: project.project_id }))
    const tail = await account.client.tail({ project_id: project.project_id })
    const r = await endsAfter(tail, keyClient, () => d.client.revokeRefreshToken(account.refresh_token))
    expect(r.ms).toBeLessThan(1000)
    expect(r.ended?.reason).toBe('session_revoked')
    await keyClient.ingestSingle(log({ message: 'other session' }))
    await waitFor(() => otherRun.events.some((e) => e.log.message === 'other session'), 5000)
  })

  it('refresh token reused: refresh_token_reused ends the tails of every token of the session', async () => {
    const { account, project, keyClient } = await accountWithKey(d.client, 'reuse-tok')
    const rotated = await d.client.refresh(account.refresh_token)
    const tail = await d.client.withCredential(rotated.access_token).tail({ project_id: project.project_id })
    const r = await endsAfter(tail, keyClient, () => d.client.refresh(account.refresh_token).catch(() => undefined))
    expect(r.ms).toBeLessThan(1000)
    expect(r.ended?.reason).toBe('refresh_token_reused')
  })

  it('access token expired: token_expired, within a second of its expiry on the daemon clock', async () => {
    const { account, project, keyClient } = await accountWithKey(d.client, 'exp-tok')
    const tail = await account.client.tail({ project_id: project.project_id })
    const r = await endsAfter(tail, keyClient, async () => {
      d.clock.advance(3601 * 1000)
    })
    expect(r.ms).toBeLessThan(1000)
    expect(r.ended?.reason).toBe('token_expired')
  })

  it('on the wire: a last "event: end" whose data is {"reason", "detail"}', async () => {
    const { account, key } = await accountWithKey(d.client, 'wire')
    const ac = new AbortController()
    const res = await fetch(`${d.url}/api/v1/logs/tail`, { headers: { authorization: `Bearer ${key.full_key}` }, signal: ac.signal })
    await waitFor(() => d.services.tail.count >= 1)
    await account.client.revokeApiKey(key.key_id)
    const text = await res.text()
    expect(text).toMatch(/event: end\ndata: \{"reason":"key_revoked","detail":"API key \d+ was revoked"\}\n\n$/)
    const messages = new SseParser().push(text)
    expect(messages.at(-1)).toMatchObject({ event: 'end' })
    ac.abort()
  })

  it('a request whose body is still arriving when its key is revoked gets 401, and stores nothing', async () => {
    const { account, key, keyClient } = await accountWithKey(d.client, 'slow-body')
    const body = JSON.stringify({ logs: [log({ message: 'sent slowly' })] })
    const { port } = new URL(d.url)
    const socket = connect(Number(port), '127.0.0.1')
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (c: string) => {
      answer += c
    })
    socket.write(
      `POST /api/v1/ingest/batch HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${key.full_key}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    )
    // The request was authenticated on its headers; its body is not complete yet.
    await waitFor(async () => (await keyClient.raw('GET', '/api/v1/queue/depth')).status === 200)
    await account.client.revokeApiKey(key.key_id)
    // Written, not ended: a client that half-closes first has its request aborted by Node's
    // HTTP server (no answer at all) when the check takes a round trip to the database.
    socket.write(body.slice(10))
    // `Connection: close`: the daemon closes once it has answered.
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    expect(answer).toMatch(/^HTTP\/1\.1 401 /)
    expect(answer).toContain('revoked or disabled')
    const [stored] = await d.sql<{ n: number }>("SELECT count(*) AS n FROM logs WHERE message = 'sent slowly'")
    expect(stored!.n).toBe(0)
  })
})

describe('live tails are capped per key and per account', () => {
  it('past the cap: 429 with a detail naming it; closing a tail frees its slot', async () => {
    const d = await startTestDaemon({ maxTailsPerKey: 2, maxTailsPerAccount: 3 })
    try {
      const { account, project, keyClient } = await accountWithKey(d.client, 'capped')
      const tails = [await keyClient.tail(), await keyClient.tail()]
      const refused = await keyClient.raw('GET', '/api/v1/logs/tail')
      expectError(refused, 429, 'Too many live tails for this API key: 2 are open, and the limit per key is 2')
      expect(refused.headers['retry-after']).toBe('10')
      // Another key of the same account: its own key cap is free, the account's has one left.
      const k2 = d.client.withCredential((await account.client.createApiKey(project.project_id, { name: 'k2' })).full_key)
      tails.push(await k2.tail())
      expectError(await k2.raw('GET', '/api/v1/logs/tail'), 429, 'Too many live tails for this account: 3 are open, and the limit per account is 3')
      expectError(
        await account.client.raw('GET', '/api/v1/logs/tail', { query: { project_id: String(project.project_id) } }),
        429,
        'limit per account is 3',
      )
      // Another account is not affected.
      const other = await registerAccount(d.client)
      const p2 = await other.client.createProject({ name: 'Other', slug: 'other' })
      tails.push(await other.client.tail({ project_id: p2.project_id }))
      tails[0]!.close()
      await waitFor(() => d.services.tail.count === 3)
      tails.push(await keyClient.tail())
      for (const t of tails) t.close()
    } finally {
      await d.close()
    }
  })
})
