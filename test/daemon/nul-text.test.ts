import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectError } from '../helpers/assertions.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'

// U+0000 (NUL) in text: PostgreSQL cannot store it, SQLite can. Ledger answers the same on both
// engines (this file runs on each): a 400 for the log that holds it (its batch goes on), and for
// any other request with it in its query or body. Never a 500.

describe('text holding U+0000 (NUL)', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startTestDaemon()
  })
  afterAll(async () => {
    await d?.close()
  })

  const batch = (c: TestDaemon['client'], logs: unknown[]) => c.raw('POST', '/api/v1/ingest/batch', { body: { logs } })

  it('is refused with a 400: per log in a batch, the whole request elsewhere', async () => {
    const { account, keyClient } = await accountWithKey(d.client, 'nul')
    const r = await batch(keyClient, [
      log({ message: 'fine' }),
      log({ message: 'bad\u0000byte' }),
      log({ attributes: { k: 'v\u0000' } }),
    ])
    expect(r.status).toBe(202)
    expect(r.body).toMatchObject({ accepted: 1, rejected: 2 })
    expect(JSON.stringify(r.body)).toContain('U+0000')
    expectError(await keyClient.raw('POST', '/api/v1/ingest/single', { body: log({ error_type: '\u0000' }) }), 400)
    expectError(await keyClient.raw('GET', '/api/v1/logs', { query: { q: 'a\u0000b' } }), 400)
    expectError(await keyClient.raw('GET', '/api/v1/logs', { query: { environment: '\u0000' } }), 400)
    expectError(await account.client.raw('PATCH', '/api/v1/projects/nul', { body: { name: 'x\u0000y' } }), 400)
  })

  it('keeps a log whose text merely spells a backslash-u escape', async () => {
    const { keyClient } = await accountWithKey(d.client, 'nul-otlp')
    const r = await batch(keyClient, [log({ message: 'literal \\u0000 text', attributes: { k: '\\u0000' } })])
    expect(r.body).toMatchObject({ accepted: 1, rejected: 0 })
    const stored = (await keyClient.logs()).logs[0]!
    expect(stored.message).toBe('literal \\u0000 text')
    expect(stored.attributes).toEqual({ k: '\\u0000' })
  })
})
