import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { LedgerClient } from '../../src/client/index.js'
import type { Log } from '../../src/contract/ingest.js'
import { expectCliError } from '../helpers/cli.js'
import { PASSWORD, type SpawnedDaemon, spawnDaemon, tempHome, waitFor } from '../helpers/daemon.js'
import { ledger, startLedger } from '../helpers/in-process.js'
import { allLogs, FAST_HASHES, ingestProject, range, seqs, startBinaryIngest, startIngest, stopIngestRuns, summaryOf } from '../helpers/ingest-runs.js'
import { testTempDir } from '../helpers/tmp.js'

// `ledger ingest` against a daemon in its own process: run inside vitest, its stdin a stream
// the test writes, ends and signals; and as the real binary for what only a process has
// (SIGINT and SIGTERM from outside). A busy daemon and one that goes away: ingest-delivery.test.ts.

afterEach(stopIngestRuns)

describe('against a running daemon', () => {
  let daemon: SpawnedDaemon
  let anon: LedgerClient
  let home: string

  beforeAll(async () => {
    daemon = await spawnDaemon({ env: FAST_HASHES })
    anon = new LedgerClient({ baseUrl: daemon.url })
    home = tempHome()
  })
  afterAll(async () => {
    await anon.close()
    await daemon.stop()
    rmSync(home, { recursive: true, force: true })
    rmSync(daemon.home, { recursive: true, force: true })
  })

  /** A project with a key for the CLI and a second one for the test's reads. */
  const project = (slug: string) => ingestProject(anon, { home, url: daemon.url, timeoutMs: 60_000 }, slug)

  test('50,000 mixed JSON and plain lines: all stored once, JSON levels and attributes kept', async () => {
    const p = await project('mixed')
    const levels = ['info', 'warn', 'error', 'debug', 'fatal']
    const lines: string[] = []
    for (let i = 0; i < 50_000; i++) {
      if (i % 2 === 0) lines.push(JSON.stringify({ level: levels[i % 5], msg: `json ${i}`, seq: i, user: { id: i % 7 } }))
      else lines.push(`${['INFO', 'WARN', 'ERROR'][i % 3]} plain ${i}`)
    }
    const r = await ledger(p.opts({ input: `${lines.join('\n')}\n` }), 'ingest', '--json', '--attr', 'host=ci-1')
    expect(r.code, r.stderr).toBe(0)
    expect(summaryOf(r)).toMatchObject({ lines_read: 50_000, accepted: 50_000, rejected: 0, undelivered: 0, exit_code: 0 })

    const logs = await allLogs(p.reader)
    expect(logs).toHaveLength(50_000)
    const json = logs.filter((l) => l.message?.startsWith('json '))
    expect(seqs(json)).toEqual(range(25_000).map((i) => i * 2))
    const expected: Record<string, string> = { info: 'info', warn: 'warning', error: 'error', debug: 'debug', fatal: 'critical' }
    for (const l of json) {
      const seq = (l.attributes as { seq: number }).seq
      expect(l.level).toBe(expected[levels[seq % 5]!])
      expect(l.attributes).toEqual({ host: 'ci-1', seq, user: { id: seq % 7 } })
      expect(l.log_type).toBe('logger')
    }
    const plain = logs.filter((l) => l.message?.includes(' plain '))
    expect(plain).toHaveLength(25_000)
    for (const l of plain) {
      const i = Number(l.message!.split(' ').at(-1))
      expect(l.level).toBe(['info', 'warning', 'error'][i % 3])
      expect(l.log_type).toBe('console')
    }
  })

  test('--tee copies the input to stdout byte for byte; blank lines are skipped', async () => {
    const p = await project('tee')
    const input = 'one\n\n{"msg":"two"}\r\nthree without newline'
    const r = await ledger(p.opts({ input }), 'ingest', '--tee')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(input)
    expect(r.stderr).toMatch(/ingest: 4 lines read, 3 accepted, 1 blank skipped/)
    expect((await allLogs(p.reader)).map((l) => l.message).sort()).toEqual(['one', 'three without newline', 'two'])
  })

  test('--json prints the summary; flags fill every line', async () => {
    const p = await project('summary')
    const r = await ledger(
      p.opts({ input: 'a\nb\n' }),
      'ingest',
      '--json',
      '--level',
      'warning',
      '--log-type',
      'custom',
      '--importance',
      'low',
      '--environment',
      'staging',
      '--release',
      'v2',
    )
    expect(r.code, r.stderr).toBe(0)
    const s = summaryOf(r)
    expect(s).toMatchObject({ lines_read: 2, blank_lines: 0, accepted: 2, rejected: 0, undelivered: 0, batches: 1, retries: 0, interrupted: false, exit_code: 0 })
    expect(s.max_rss_bytes).toBeGreaterThan(10 * 1024 * 1024)
    expect(Object.keys(s).sort()).toEqual(
      ['accepted', 'batches', 'blank_lines', 'exit_code', 'interrupted', 'lines_per_second', 'lines_read', 'max_rss_bytes', 'rejected', 'replayed_batches', 'requests', 'retries', 'seconds', 'truncated', 'undelivered'].sort(),
    )
    for (const l of await allLogs(p.reader))
      expect(l).toMatchObject({ level: 'warning', log_type: 'custom', importance: 'low', environment: 'staging', release: 'v2' })
  })

  test('files as arguments; refused lines are named file:line, counted, and exit 1', async () => {
    const p = await project('files')
    await p.account.client.updateProject('files', { daily_quota: 4 })
    const dir = testTempDir('ledger-ingest-')
    try {
      writeFileSync(join(dir, 'a.log'), 'a1\n\na3\n')
      writeFileSync(join(dir, 'b.log'), 'b1\nb2\nb3\n')
      const r = await ledger(p.opts(), 'ingest', join(dir, 'a.log'), join(dir, 'b.log'), '--json')
      expect(r.code).toBe(1)
      expect(summaryOf(r)).toMatchObject({ lines_read: 6, blank_lines: 1, accepted: 4, rejected: 1, exit_code: 1 })
      expect(r.stderr).toContain(`${join(dir, 'b.log')}:3: rejected: daily quota of 4 logs reached`)
      const missing = await ledger(p.opts(), 'ingest', join(dir, 'nope.log'))
      expectCliError(missing, 2, 'cannot read', 'no such file')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('slow input, a line every 100 ms: each line is stored within a second of being written', async () => {
    const p = await project('slow')
    const run = startIngest(p.opts())
    try {
      // Once the CLI is up (its start-up is not what is measured)...
      await run.write('warming up\n')
      await waitFor(async () => (await p.reader.logs({ limit: 1 })).logs.length > 0, 10_000, 'the CLI to start')
      for (let i = 0; i < 10; i++) {
        const written = Date.now()
        await run.write(`tick ${i}\n`)
        await waitFor(async () => (await p.reader.logs({ limit: 20 })).logs.some((l) => l.message === `tick ${i}`), 5000, `tick ${i}`)
        expect(Date.now() - written).toBeLessThan(1000)
        await new Promise((r) => setTimeout(r, 100))
      }
    } finally {
      run.end()
    }
    expect((await run.result).code).toBe(0)
  })

  test('on a terminal, the status line rounds its rate, clears itself when idle and at the end; none while lines are typed (#24)', async () => {
    const p = await project('status-line')
    const CLEAR = '\r\u001b[2K'
    const run = startLedger({ ...p.opts(), timeoutMs: 60_000, tty: { stderr: true } }, 'ingest')
    try {
      for (let i = 0; i < 7; i++) await run.write(`line ${i}\n`)
      await waitFor(() => /ingest: 7 read · 7 accepted/.test(run.stderr()), 10_000, 'the status line')
      // Nothing more comes: the line erases itself, so typed text does not land on it.
      await waitFor(() => run.stderr().endsWith(CLEAR), 10_000, 'the idle status line to clear')
      const idle = run.stderr().length
      await run.write('one more\n')
      await waitFor(() => /ingest: 8 read/.test(run.stderr().slice(idle)), 10_000, 'the status line back')
      run.end()
      const r = await run.result
      expect(r.code, r.stderr).toBe(0)
      const rates = [...r.stderr.matchAll(/· ([^ ]+)\/s ·/g)].map((m) => m[1])
      expect(rates.length).toBeGreaterThan(0)
      for (const rate of rates) expect(rate).toMatch(/^[\d,]+$/)
      // The last drawing is cleared before the summary line.
      expect(r.stderr).toMatch(/\r\u001b\[2Kingest: 8 lines read, 8 accepted/)
      expect(r.stderr.slice(r.stderr.lastIndexOf('ingest: 8 read'))).toContain(`${CLEAR}ingest: 8 lines read`)
    } finally {
      if (!run.done()) run.end()
    }
    // Lines typed at the terminal: no status line in the way.
    const typed = startLedger({ ...p.opts(), timeoutMs: 60_000, tty: { stderr: true, stdin: true } }, 'ingest')
    await typed.write('typed\n')
    typed.end()
    const t = await typed.result
    expect(t.code, t.stderr).toBe(0)
    expect(t.stderr).toContain('Reading lines from the terminal')
    expect(t.stderr).not.toContain('\u001b[2K')
  })

  test('an invalid key: exit 4 at once, with stdin still open, and a clear message', async () => {
    const run = startIngest({ home, url: daemon.url, env: { LEDGER_API_KEY: 'ldg_proj_1_notavalidkeynotavalidkeynotavalidkey00' } })
    const t0 = Date.now()
    const r = await run.result
    expect(Date.now() - t0).toBeLessThan(15_000)
    expectCliError(r, 4, 'the daemon refused the API key', 'invalid api key')
    expect(r.stderr).toMatch(/Check LEDGER_API_KEY/)
  })

  test('a rate-limited key: every line arrives, slowly, and Retry-After is honoured', async () => {
    const p = await project('limited')
    await p.account.client.setKeyLimits(p.key.key_id, { algorithm: 'token_bucket', tokens_per_second: 2, burst_capacity: 1 })
    const lines = range(2000).map((i) => JSON.stringify({ msg: `limited ${i}`, seq: i }))
    const t0 = Date.now()
    const r = await ledger(p.opts({ input: `${lines.join('\n')}\n` }), 'ingest', '--batch-size', '400', '--json')
    const seconds = (Date.now() - t0) / 1000
    expect(r.code, r.stderr).toBe(0)
    const s = summaryOf(r)
    expect(s).toMatchObject({ accepted: 2000, undelivered: 0 })
    expect(s.retries).toBeGreaterThan(0)
    expect(r.stderr).toMatch(/rate limited \(HTTP 429: Rate limit exceeded.*\); waiting 1\.\d s as the daemon asks/)
    expect(seqs(await allLogs(p.reader))).toEqual(range(2000))
    // 5 batches at 2 per second take seconds; a client ignoring Retry-After would have been
    // refused dozens of times per second. Each 429 holds every batch back for its Retry-After.
    expect(seconds).toBeGreaterThan(3)
    const from = new Date(t0 - 60_000).toISOString()
    const to = new Date(Date.now() + 60_000).toISOString()
    const metrics = await p.account.client.keyMetrics(p.key.key_id, from, to)
    const throttled = metrics.throttled_count
    expect(throttled).toBeGreaterThan(0)
    expect(throttled).toBeLessThanOrEqual(Math.ceil(4 * seconds) + 4)
  })

  test('Ctrl-C: what was read is sent, then exit 130', async () => {
    const p = await project('interrupt')
    const run = startBinaryIngest(p.opts(), '--json')
    let seq = 0
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) await run.write(`${JSON.stringify({ msg: 'before ctrl-c', seq: seq++ })}\n`)
    }
    await write(100)
    // The CLI is up (its handlers in place) once the first lines are stored.
    await waitFor(async () => (await p.reader.logs({ limit: 1 })).logs.length > 0, 10_000, 'the first lines')
    // These are read but still in a batch that is not full when the signal comes.
    await write(300)
    run.child.kill('SIGINT')
    const r = await run.result
    expect(r.code, r.stderr).toBe(130)
    expect(r.stderr).toMatch(/SIGINT: sending the lines read so far/)
    const s = summaryOf(r)
    expect(s).toMatchObject({ interrupted: true, exit_code: 130, undelivered: 0 })
    expect(s.lines_read).toBeGreaterThan(0)
    expect(seqs(await allLogs(p.reader))).toEqual(range(s.lines_read))
  })

  test('SIGTERM: the same, with exit 143', async () => {
    const p = await project('sigterm')
    const run = startBinaryIngest(p.opts())
    await run.write('first\n')
    await waitFor(async () => (await p.reader.logs({ limit: 1 })).logs.length > 0, 10_000, 'the first line')
    await run.write('second\nthird\n')
    await waitFor(() => run.child.stdin.writableLength === 0, 1000)
    run.child.kill('SIGTERM')
    const r = await run.result
    expect(r.code, r.stderr).toBe(143)
    expect(r.stderr).toMatch(/SIGTERM: sending the lines read so far/)
    const read = Number(/ingest: (\d+) lines read/.exec(r.stderr)?.[1])
    expect((await allLogs(p.reader)).length).toBe(read)
  })

  test("real files: each line's own time, stack traces joined, logfmt mapped; --timezone, --strip-timestamp", async () => {
    const p = await project('real-files')
    const dir = testTempDir('ledger-ingest-')
    try {
      writeFileSync(
        join(dir, 'app.log'),
        [
          '2025-10-17 10:00:00.123 ERROR [main] c.e.App - request failed',
          'java.lang.IllegalStateException: boom',
          '\tat com.example.App.handle(App.java:42)',
          'Caused by: java.io.IOException: gone',
          '\t... 3 more',
          '2025-10-17 10:00:01.000 INFO [main] c.e.App - next',
          'level=warn msg="disk almost full" user=42 time=2025-10-17T10:00:02Z',
          '',
        ].join('\n'),
      )
      const r = await ledger(p.opts(), 'ingest', join(dir, 'app.log'), '--timezone', 'Europe/Paris', '--strip-timestamp', '--json')
      expect(r.code, r.stderr).toBe(0)
      expect(summaryOf(r)).toMatchObject({ lines_read: 7, blank_lines: 0, accepted: 3, exit_code: 0 })
      const logs = (await allLogs(p.reader)).sort((a, b) => a.timestamp.localeCompare(b.timestamp))
      expect(logs.map((l) => [l.timestamp, l.level, l.message])).toEqual([
        ['2025-10-17T08:00:00.123Z', 'error', 'ERROR [main] c.e.App - request failed'],
        ['2025-10-17T08:00:01Z', 'info', 'INFO [main] c.e.App - next'],
        ['2025-10-17T10:00:02Z', 'warning', 'disk almost full'],
      ])
      expect(logs[0]).toMatchObject({
        log_type: 'exception',
        error_type: 'java.lang.IllegalStateException',
        error_message: 'boom',
        stack_trace: 'java.lang.IllegalStateException: boom\n\tat com.example.App.handle(App.java:42)\nCaused by: java.io.IOException: gone\n\t... 3 more',
      })
      expect(logs[2]!.attributes).toEqual({ user: '42' })
      // `--since` now means something on a back-filled file.
      const found = await ledger(p.opts(), 'logs', '--since', '2025-10-17T08:00:00.500Z', '--until', '2025-10-17T09:00:00Z', '--json')
      expect(found.code, found.stderr).toBe(0)
      expect(found.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Log).message)).toEqual(['INFO [main] c.e.App - next'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('--timestamp-format, --multiline-start and --encoding latin1', async () => {
    const p = await project('formats')
    const input = Buffer.from(['17/10/2025 10:00 Überweisung gestartet', '  Empfänger: Müller', '17/10/2025 10:05 Überweisung fertig', ''].join('\n'), 'latin1')
    const run = startIngest(
      p.opts(),
      '--timestamp-format',
      '%d/%m/%Y %H:%M',
      '--timezone',
      'UTC',
      '--multiline-start',
      '^\\d{2}/',
      '--encoding',
      'latin1',
      '--json',
    )
    run.end(input)
    const r = await run.result
    expect(r.code, r.stderr).toBe(0)
    const logs = (await allLogs(p.reader)).sort((a, b) => a.timestamp.localeCompare(b.timestamp))
    expect(logs.map((l) => [l.timestamp, l.message])).toEqual([
      ['2025-10-17T10:00:00Z', '17/10/2025 10:00 Überweisung gestartet\n  Empfänger: Müller'],
      ['2025-10-17T10:05:00Z', '17/10/2025 10:05 Überweisung fertig'],
    ])
  })

  test.each([
    [['--timezone', 'Mars/Olympus'], '--timezone Mars/Olympus: not a time zone'],
    [['--timestamp-format', '%Y-%m-%d'], '--timestamp-format %Y-%m-%d: needs an hour'],
    [['--multiline-start', '(unclosed'], '--multiline-start is not a regular expression'],
    [['--encoding', 'klingon-8'], '--encoding klingon-8: not an encoding'],
  ])('%j: exit 2 before anything is read or sent', async (args, message) => {
    const p = await project(`bad-${args[0]!.slice(2)}`)
    const r = await ledger(p.opts({ input: 'never sent\n' }), 'ingest', ...args)
    expectCliError(r, 2, message)
    expect(await allLogs(p.reader)).toHaveLength(0)
  })

  test('--project: a logged-in user gets a key created and stored on first use, reused after', async () => {
    const own = tempHome()
    try {
      const email = `ingest-login-${process.pid}@example.com`
      await anon.register({ email, password: PASSWORD, name: 'Login' })
      const login = await ledger({ home: own, url: daemon.url, input: PASSWORD }, 'login', '--email', email, '--password-stdin')
      expect(login.code, login.stderr).toBe(0)
      const me = anon.withCredential((await anon.login({ email, password: PASSWORD })).access_token)
      const proj = await me.createProject({ name: 'Keyed', slug: 'keyed' })
      const first = await ledger({ home: own, url: daemon.url, input: 'first\n' }, 'ingest', '--project', 'keyed')
      expect(first.code, first.stderr).toBe(0)
      expect(first.stderr).toMatch(/Created API key .* for project 'keyed'/)
      const second = await ledger({ home: own, url: daemon.url, input: 'second\n' }, 'ingest', '--project', 'keyed')
      expect(second.code, second.stderr).toBe(0)
      expect(second.stderr).not.toMatch(/Created API key/)
      const keys = await me.listApiKeys({ projectId: proj.project_id })
      expect(keys.total).toBe(1)
      const reader = anon.withCredential((await me.createApiKey(proj.project_id, { name: 'reader' })).full_key)
      expect((await allLogs(reader)).map((l) => l.message).sort()).toEqual(['first', 'second'])
      const none = await ledger({ home: tempHome(), url: daemon.url, input: 'x\n' }, 'ingest')
      expectCliError(none, 2, 'no API key')
    } finally {
      rmSync(own, { recursive: true, force: true })
    }
  })
})
