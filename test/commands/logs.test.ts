import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { LedgerClient } from '../../src/client/index.js'
import type { Log } from '../../src/contract/ingest.js'
import { expectCliError, json, runCli } from '../helpers/cli.js'
import { accountWithKey, log, spawnDaemon, startTestDaemon, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js'
import { ledger, memoryStore, startLedger } from '../helpers/in-process.js'

// `ledger logs`, `ledger tail` and `ledger panels show`, run inside vitest (and the real binary
// where what it reads from a pipe is what is tested).

const ndjson = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Log)

describe('against an in-process daemon', () => {
  let daemon: TestDaemon
  let home: string
  let key: string
  let token: string

  beforeAll(async () => {
    daemon = await startTestDaemon({}, { realClock: true })
    home = tempHome()
    const a = await accountWithKey(daemon.client, 'search-app')
    key = a.key.full_key
    token = a.account.access_token
    await a.keyClient.ingestBatch([
      log({ timestamp: '2026-11-30T10:00:00Z', level: 'error', message: 'connection refused by db-1', attributes: { user_id: 42 } }),
      log({ timestamp: '2026-11-30T10:01:00Z', level: 'info', message: 'user logged in', attributes: { user_id: 7 } }),
      log({ timestamp: '2026-11-30T10:02:00Z', level: 'warning', message: 'request timeout after 30s', environment: 'staging' }),
      log({ timestamp: '2026-11-30T10:03:00Z', level: 'critical', message: 'refused connection pool exhausted' }),
      log({ timestamp: '2026-11-30T10:04:00Z', level: 'debug', message: 'timer fired' }),
    ])
    await waitFor(async () => (await a.keyClient.queueDepth()).queue_depth === 0, 10_000, 'the worker to index')
  })
  afterAll(async () => {
    await daemon.close()
    rmSync(home, { recursive: true, force: true })
  })

  const withKey = () => ({ home, url: daemon.url, env: { LEDGER_API_KEY: key } })

  test('logs prints newest first, and --json one log per line', async () => {
    const r = await ledger(withKey(), 'logs', '--json')
    const logs = ndjson(r.stdout)
    expect(logs.map((l) => l.message)).toEqual([
      'timer fired',
      'refused connection pool exhausted',
      'request timeout after 30s',
      'user logged in',
      'connection refused by db-1',
    ])
    const human = await ledger(withKey(), 'logs')
    expect(human.stdout.split('\n')[0]).toMatch(/^2026-11-30T10:04:00Z DEBUG timer fired$/)
    expect(human.stdout).toMatch(/2026-11-30T10:00:00Z ERROR connection refused by db-1 user_id=42/)
  })

  test('full text, phrases, prefixes, levels, attributes and time range narrow the search', async () => {
    const messages = async (...args: string[]) => ndjson((await ledger(withKey(), 'logs', '--json', ...args)).stdout).map((l) => l.message)
    expect(await messages('"connection refused"')).toEqual(['connection refused by db-1'])
    expect(await messages('refused connection')).toEqual(['refused connection pool exhausted', 'connection refused by db-1'])
    expect(await messages('time*')).toEqual(['timer fired', 'request timeout after 30s'])
    expect(await messages('refused NOT pool')).toEqual(['connection refused by db-1'])
    expect(await messages('--level', 'error,critical')).toEqual(['refused connection pool exhausted', 'connection refused by db-1'])
    expect(await messages('--attr', 'user_id=7')).toEqual(['user logged in'])
    expect(await messages('--environment', 'staging')).toEqual(['request timeout after 30s'])
    expect(await messages('--since', '2026-11-30T10:01:00Z', '--until', '2026-11-30T10:02:00Z')).toEqual([
      'request timeout after 30s',
      'user logged in',
    ])
    expect(await messages('--limit', '2')).toHaveLength(2)
  })

  test('a login reads logs with --project (or -p, as in ingest) and no key', async () => {
    const login = { home, url: daemon.url, env: { LEDGER_TOKEN: token } }
    const r = await ledger(login, 'logs', 'timer', '--project', 'search-app', '--json')
    expect(ndjson(r.stdout).map((l) => l.message)).toEqual(['timer fired'])
    const short = await ledger(login, 'logs', 'timer', '-p', 'search-app', '--json')
    expect(ndjson(short.stdout).map((l) => l.message)).toEqual(['timer fired'])
  })

  test('a log carrying terminal control sequences is printed escaped, and kept exact in --json', async () => {
    const a = await accountWithKey(daemon.client, 'escape-app')
    const message = 'pwned \u001b]52;c;ZXZpbA==\u0007 \u001b[2J done\rFAKE'
    await a.keyClient.ingestSingle(log({ message }))
    await waitFor(async () => (await a.keyClient.queueDepth()).queue_depth === 0, 10_000, 'the worker to index')
    const opts = { home, url: daemon.url, env: { LEDGER_API_KEY: a.key.full_key } }
    const text = await ledger(opts, 'logs')
    expect(text.code).toBe(0)
    expect(text.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/)
    expect(text.stdout).toContain('pwned \\x1b]52;c;ZXZpbA==\\x07 \\x1b[2J done\\x0dFAKE')
    expect(ndjson((await ledger(opts, 'logs', '--json')).stdout).map((l) => l.message)).toEqual([message])
  })

  test('bad input: bad level (before any request), bad query syntax (exit 2), no project', async () => {
    expectCliError(await ledger(withKey(), 'logs', '--level', 'loud'), 2, "--level 'loud'")
    expectCliError(await ledger(withKey(), 'logs', '--attr', 'novalue'), 2, 'KEY=VALUE')
    // A bad query is a usage error (exit 2), told before any request (#24).
    expectCliError(await ledger(withKey(), 'logs', '"unbalanced'), 2, 'the query has an unbalanced quote')
    expectCliError(await ledger({ home, url: daemon.url }, 'logs'), 2, '--project')
  })

  test('the real binary reads no query from a pipe: `… | ledger logs` lists the logs, it does not search for the input', async () => {
    // oclif reads a missing argument from piped stdin unless told not to.
    const r = await runCli({ ...withKey(), input: 'nothing matches this\n' }, 'logs', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(ndjson(r.stdout)).toHaveLength(5)
  })

  test('tail without -f prints the last N, oldest first', async () => {
    const r = await ledger(withKey(), 'tail', '-n', '2', '--json')
    expect(ndjson(r.stdout).map((l) => l.message)).toEqual(['refused connection pool exhausted', 'timer fired'])
  })

  test('tail -f refused with 429 waits for Retry-After before it connects again, instead of being refused again', async () => {
    const a = await accountWithKey(daemon.client, 'throttled-tail')
    // One request every 2 s: the call below takes the only token, so the tail's first connection
    // is refused (429, Retry-After: 2) and any retry before then would be refused too (the
    // CLI's own backoff starts at 0.5 s). The command runs in this process: it connects within
    // milliseconds, long before the token is back, also on a busy machine.
    await a.account.client.setKeyLimits(a.key.key_id, { algorithm: 'token_bucket', tokens_per_second: 0.5, burst_capacity: 1 })
    const since = new Date(Date.now() - 60_000).toISOString()
    await a.keyClient.queueDepth()
    const tail = startLedger({ home, url: daemon.url, env: { LEDGER_API_KEY: a.key.full_key } }, 'tail', '-f', '-n', '0')
    try {
      await waitFor(() => tail.stderr().includes('Reconnected'), 30_000, 'the tail to connect after its 429')
      const m = await a.account.client.keyMetrics(a.key.key_id, since, new Date(Date.now() + 60_000).toISOString())
      expect(m.throttled_count).toBe(1)
    } finally {
      tail.signal('SIGINT')
      await tail.result
    }
  })

  test.each([
    ['its API key is revoked', 'key', 'key_revoked', 'was revoked'],
    ['its login is logged out', 'token', 'logged_out', 'logged out'],
  ] as const)(
    'tail -f whose %s prints why on one line and exits 4, without reconnecting',
    async (_what, credential, reason, words) => {
      const a = await accountWithKey(daemon.client, `ended-${credential}`)
      const env =
        credential === 'key' ? { LEDGER_API_KEY: a.key.full_key } : { LEDGER_TOKEN: a.account.access_token }
      const args = credential === 'key' ? [] : ['--project', a.project.slug]
      const tail = startLedger({ home, url: daemon.url, env }, 'tail', '-f', '-n', '0', '--json', ...args)
      try {
        await waitFor(
          async () => {
            await a.keyClient.ingestSingle(log({ message: 'ping' }))
            return tail.stdout().includes('ping')
          },
          15_000,
          'the tail to open',
        )
        if (credential === 'key') await a.account.client.revokeApiKey(a.key.key_id)
        else await a.account.client.logout()
        const r = await tail.result
        expect(r.code).toBe(4)
        const lines = r.stderr.trim().split('\n')
        expect(lines[0]).toMatch(new RegExp(`^Error: the daemon ended the live tail: .*${words}.* \\(${reason}\\)$`))
        expect(r.stderr).not.toContain('reconnecting')
      } finally {
        tail.signal('SIGINT')
        await tail.result
      }
    },
  )

  test('panels show renders an errors panel as bars, and --json is the panel data', async () => {
    const account = daemon.client.withCredential(token)
    const panel = await account.createPanel({
      name: 'Errors',
      index: 0,
      project_id: 'search-app',
      time_range_from: '2026-11-30T09:00:00Z',
      time_range_to: '2026-11-30T11:00:00Z',
      type: 'errors',
    })
    const opts = { home, url: daemon.url, env: { LEDGER_TOKEN: token } }
    const data = json<{ type: string; totals: { error: number; critical: number }; series: unknown[]; bucket: string }>(
      await ledger(opts, 'panels', 'show', panel.id, '--json', '--bucket', '1h'),
    )
    expect(data).toMatchObject({ type: 'errors', totals: { error: 1, critical: 1 }, bucket: '1h' })
    expect(data.series).toHaveLength(3) // 09:00, 10:00, and 11:00 (the range's end is inclusive)
    const human = await ledger(opts, 'panels', 'show', panel.id, '--bucket', '1h')
    expect(human.stdout).toContain('1 errors, 1 critical · per 1h')
    expect(human.stdout).toMatch(/2026-11-30T10:00:00Z █+ 2/)
    expectCliError(await ledger(opts, 'panels', 'show', panel.id, '--bucket', '2m'), 2, '2m')
  })
})

describe('tail -f with a stored login whose access token expires', () => {
  test('refreshes the token and goes on, with no gap and no repeat', async () => {
    // The daemon's clock is the test's: an hour passes in a moment.
    const daemon = await startTestDaemon()
    const home = tempHome()
    try {
      const a = await accountWithKey(daemon.client, 'expiring')
      const opts = { home, url: daemon.url }
      const login = await ledger({ ...opts, input: 'SecurePass123\n' }, 'login', '--email', a.account.email, '--password-stdin')
      expect(login.code, login.stderr).toBe(0)
      const tail = startLedger(opts, 'tail', '-f', '-n', '0', '--json', '--project', a.project.slug)
      try {
        await waitFor(
          async () => {
            await a.keyClient.ingestSingle(log({ message: 'before expiry' }))
            return tail.stdout().includes('before expiry')
          },
          15_000,
          'the tail to open',
        )
        const stored = () => JSON.stringify(memoryStore(home).snapshot())
        const before = stored()
        daemon.clock.advance(3601 * 1000)
        // The daemon ends the tail (token_expired); the CLI refreshes its login and reconnects.
        await waitFor(() => stored() !== before, 15_000, 'the login to be refreshed')
        await a.keyClient.ingestSingle(log({ message: 'after expiry' }))
        await waitFor(() => tail.stdout().includes('after expiry'), 15_000, 'the tail to go on after the expiry')
        expect(tail.done()).toBe(false)
        const ids = ndjson(tail.stdout()).map((l) => l.id)
        expect(new Set(ids).size).toBe(ids.length)
        expect(tail.stderr()).not.toMatch(/Error/)
      } finally {
        tail.signal('SIGINT')
        await tail.result
      }
    } finally {
      await daemon.close()
      rmSync(home, { recursive: true, force: true })
    }
  })
})

describe('tail -f against a spawned daemon', () => {
  test('follows new logs within a second and resumes after a daemon restart with no gap and no repeat', async () => {
    const env = { LEDGER_SCRYPT_LOG_N: '12' }
    let daemon = await spawnDaemon({ env })
    const home = daemon.home
    const port = Number(new URL(daemon.url).port)
    const client = new LedgerClient({ baseUrl: daemon.url })
    const cliHome = tempHome()
    const { keyClient, key } = await accountWithKey(client, 'tail-app')
    const tail = startLedger(
      { home: cliHome, url: daemon.url, env: { LEDGER_API_KEY: key.full_key }, timeoutMs: 120_000 },
      'tail', '-f', '-n', '0', '--json',
    )
    const seen = () => ndjson(tail.stdout()).map((l) => l.message)
    try {
      // The tail is open once a log sent now shows up.
      await waitFor(
        async () => {
          await keyClient.ingestSingle(log({ message: 'probe' }))
          return seen().includes('probe')
        },
        15_000,
        'the tail to open',
      )
      const sent = Date.now()
      await keyClient.ingestSingle(log({ message: 'before 1' }))
      await waitFor(() => seen().includes('before 1'), 5000, 'a live log')
      expect(Date.now() - sent).toBeLessThan(1500)

      await daemon.stop()
      await waitFor(() => tail.stderr().includes('reconnecting'), 10_000, 'the CLI to notice')
      daemon = await spawnDaemon({ home, env, port })
      const again = new LedgerClient({ baseUrl: daemon.url, credential: key.full_key })
      await again.ingestBatch([log({ message: 'after 1' }), log({ message: 'after 2' })])
      await waitFor(() => seen().includes('after 2'), 15_000, 'logs after the restart')
      await again.close()
      expect(tail.stderr()).toContain('Reconnected')
      const messages = seen().filter((m) => m !== 'probe')
      expect(messages).toEqual(['before 1', 'after 1', 'after 2'])
      const ids = ndjson(tail.stdout()).map((l) => l.id)
      expect(new Set(ids).size).toBe(ids.length)
    } finally {
      tail.signal('SIGINT')
      await tail.result
      await client.close()
      await daemon.stop()
      rmSync(home, { recursive: true, force: true })
      rmSync(cliHome, { recursive: true, force: true })
    }
  })
})
