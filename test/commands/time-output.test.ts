import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { json, runCli } from '../helpers/cli.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js'
import { ledger } from '../helpers/in-process.js'

// #24 item 5: human output shows times in this machine's zone (TZ honoured), or relative where
// the column is about recency, with one --utc for UTC; --json stays ISO 8601 UTC.

describe('times in human output', () => {
  let daemon: TestDaemon
  let home: string
  let key: string
  let keyId: number
  let token: string

  beforeAll(async () => {
    daemon = await startTestDaemon({}, { realClock: true })
    home = tempHome()
    const a = await accountWithKey(daemon.client, 'time-app')
    key = a.key.full_key
    keyId = a.key.key_id
    token = a.account.access_token
    await a.keyClient.ingestBatch([
      log({ timestamp: '2026-11-30T10:00:00Z', level: 'error', message: 'first' }),
      log({ timestamp: '2026-11-30T10:04:00.250Z', level: 'info', message: 'second' }),
    ])
    await waitFor(async () => (await a.keyClient.queueDepth()).queue_depth === 0, 10_000, 'the worker to index')
  })
  afterAll(async () => {
    await daemon.close()
    rmSync(home, { recursive: true, force: true })
  })

  const withKey = (env: Record<string, string> = {}) => ({ home, url: daemon.url, env: { LEDGER_API_KEY: key, ...env } })
  const login = (env: Record<string, string> = {}) => ({ home, url: daemon.url, env: { LEDGER_TOKEN: token, ...env } })

  test('logs and tail show local time with its offset (TZ), UTC with --utc; --json stays UTC', async () => {
    const tokyo = await ledger(withKey({ TZ: 'Asia/Tokyo' }), 'logs')
    expect(tokyo.stdout.split('\n')[0]).toBe('2026-11-30T19:04:00.250+09:00 INFO  second')
    expect(tokyo.stdout).toContain('2026-11-30T19:00:00+09:00 ERROR first')
    const utc = await ledger(withKey({ TZ: 'Asia/Tokyo' }), 'logs', '--utc')
    expect(utc.stdout.split('\n')[0]).toBe('2026-11-30T10:04:00.250Z INFO  second')
    const raw = await ledger(withKey({ TZ: 'Asia/Tokyo' }), 'logs', '--json')
    expect(JSON.parse(raw.stdout.split('\n')[0]!)).toMatchObject({ timestamp: '2026-11-30T10:04:00.250Z' })
    const tail = await ledger(withKey({ TZ: 'America/New_York' }), 'tail', '-n', '1')
    expect(tail.stdout).toBe('2026-11-30T05:04:00.250-05:00 INFO  second\n')
    expect((await ledger(withKey({ TZ: 'America/New_York' }), 'tail', '-n', '1', '--utc')).stdout).toBe('2026-11-30T10:04:00.250Z INFO  second\n')
  })

  test('the real binary honours TZ as Node reads it', async () => {
    const r = await runCli({ home, url: daemon.url, env: { LEDGER_API_KEY: key, TZ: 'Asia/Kolkata' } }, 'tail', '-n', '1')
    expect(r.stdout).toBe('2026-11-30T15:34:00.250+05:30 INFO  second\n')
  })

  test('keys list says how long ago a key was used; keys get shows its times local, its calls relative', async () => {
    const list = await ledger(login({ TZ: 'Asia/Tokyo' }), 'keys', 'list')
    expect(list.code, list.stderr).toBe(0)
    // The key was used by the ingest above, seconds ago.
    expect(list.stdout).toMatch(new RegExp(`^\\s*${keyId}\\s.*\\s(just now|\\d+s ago|1m ago)\\s+\\d+$`, 'm'))
    const detail = json<{ created_at: string }>(await ledger(login(), 'keys', 'get', String(keyId), '--json'))
    expect(detail.created_at).toMatch(/Z$/)
    const get = await ledger(login({ TZ: 'Asia/Tokyo' }), 'keys', 'get', String(keyId))
    expect(get.stdout).toMatch(/^created:\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+09:00$/m)
    expect(get.stdout).toMatch(/^last used:\s+\S+\+09:00 \((just now|\d+s ago|1m ago)\)$/m)
    expect(get.stdout).toMatch(/^(just now|\d+s ago|1m ago)\s+POST\s+\/api\/v1\/ingest\/batch\s+20\d/m)
    const utc = await ledger(login({ TZ: 'Asia/Tokyo' }), 'keys', 'get', String(keyId), '--utc')
    expect(utc.stdout).toMatch(/^created:\s+\S+Z$/m)
  })

  test('one --utc flag, the same on every command that shows a time (and top keeps its own)', async () => {
    const { default: Logs } = await import('../../src/commands/logs.js')
    const { default: Top } = await import('../../src/commands/top.js')
    const { default: DaemonLogs } = await import('../../src/commands/daemon/logs.js')
    const { default: KeysList } = await import('../../src/commands/keys/list.js')
    const { utcFlag } = await import('../../src/cli/flags/output.js')
    for (const C of [Logs, Top, DaemonLogs, KeysList]) expect(C.flags.utc).toBe(utcFlag.utc)
  })
})
