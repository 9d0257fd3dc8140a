import { rmSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { LedgerClient } from '../../src/client/index.js'
import { accountWithKey, deadPort, type SpawnedDaemon, spawnDaemon, tempHome, waitFor } from '../helpers/daemon.js'
import { ledger } from '../helpers/in-process.js'
import { allLogs, FAST_HASHES, ingestProject, range, seqs, startIngest, stopIngestRuns, summaryOf } from '../helpers/ingest-runs.js'

// `ledger ingest` inside vitest against a daemon in its own process that is busy (a full
// queue, --wait) or goes away (killed and restarted, never there).

afterEach(stopIngestRuns)

describe('a busy daemon, and --wait', () => {
  const ADMIN = 'ingest-test-admin-token'
  let daemon: SpawnedDaemon
  let anon: LedgerClient
  let home: string

  beforeAll(async () => {
    // A small queue, as when a big file meets a daemon that indexes slower than it accepts.
    daemon = await spawnDaemon({ env: { ...FAST_HASHES, LEDGER_QUEUE_CAPACITY: '1000', LEDGER_ADMIN_TOKEN: ADMIN } })
    anon = new LedgerClient({ baseUrl: daemon.url })
    home = tempHome()
  })
  afterAll(async () => {
    await anon.close()
    await daemon.stop()
    rmSync(home, { recursive: true, force: true })
    rmSync(daemon.home, { recursive: true, force: true })
  })

  const worker = (action: 'pause' | 'resume') =>
    anon.raw('POST', `/api/v1/admin/queue/${action}`, { headers: { 'x-admin-token': ADMIN } })

  /** A project with a key for the CLI and a second one for the test's reads. */
  const project = (slug: string) => ingestProject(anon, { home, url: daemon.url, timeoutMs: 120_000 }, slug)

  test('a full queue (503) is waited for, never given up: 8,000 lines, 8 batches of 500 at a time, into a queue of 1,000: all delivered once', async () => {
    const p = await project('busy')
    const lines = range(8000).map((i) => JSON.stringify({ level: 'info', msg: `busy ${i}`, seq: i }))
    // A give-up window of 1 s: a CLI that counted "busy" as failure would drop lines here.
    const r = await ledger(p.opts({ input: `${lines.join('\n')}\n` }), 'ingest', '--give-up-after', '1', '--batch-size', '500', '--concurrency', '8', '--json')
    expect(r.code, r.stderr).toBe(0)
    const s = summaryOf(r)
    expect(s).toMatchObject({ lines_read: 8000, accepted: 8000, rejected: 0, undelivered: 0, exit_code: 0 })
    expect(s.retries).toBeGreaterThan(0)
    // Said on stderr, once: a line, not a flood.
    expect(r.stderr.match(/the daemon is busy \(HTTP 503: Ingestion queue is full/g)).toHaveLength(1)
    expect(r.stderr).toMatch(/waiting \d+\.\d s as the daemon asks, however long it takes \(no line is dropped\)/)
    expect(seqs(await allLogs(p.reader))).toEqual(range(8000))
  })

  test('`ledger ingest --wait && ledger logs QUERY` finds every line: --wait returns only once they are searchable', async () => {
    const p = await project('wait')
    expect((await worker('pause')).status).toBe(200)
    try {
      const run = startIngest(p.opts(), '--wait')
      const lines = range(500).map((i) => `INFO waitword line ${i}`)
      await run.write(`${lines.join('\n')}\n`)
      run.end()
      // Accepted, but not processed while the worker is paused: the CLI keeps waiting.
      await waitFor(async () => (await p.reader.queueDepth()).queue_depth === 500, 10_000, 'the lines accepted')
      await new Promise((r) => setTimeout(r, 500))
      expect(run.done()).toBe(false)
      expect((await p.reader.logs({ q: 'waitword' })).logs).toHaveLength(0)
      expect((await worker('resume')).status).toBe(200)
      const r = await run.result
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toMatch(/searchable \d+\.\d s after the last batch/)
      // Right after --wait returned: the search finds every line, without any waiting.
      const found = await ledger(p.opts(), 'logs', 'waitword', '--limit', '1000', '--json')
      expect(found.code, found.stderr).toBe(0)
      expect(found.stdout.trim().split('\n')).toHaveLength(500)
    } finally {
      await worker('resume')
    }
  })

  test('--wait-timeout: a clear error and exit 1 when the daemon has not processed them in time', async () => {
    const p = await project('wait-timeout')
    expect((await worker('pause')).status).toBe(200)
    try {
      const t0 = Date.now()
      const r = await ledger(p.opts({ input: 'INFO never indexed\n' }), 'ingest', '--wait', '--wait-timeout', '1', '--json')
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000)
      expect(r.code).toBe(1)
      expect(summaryOf(r)).toMatchObject({ accepted: 1, undelivered: 0, exit_code: 1 })
      expect(r.stderr).toMatch(/Error: gave up waiting after 1 s \(--wait-timeout\): the last log sent is id \d+, the daemon has processed up to log id \d+/)
    } finally {
      await worker('resume')
    }
  })
})

describe('when the daemon goes away', () => {
  test('killed (SIGKILL) and restarted on the same port mid-stream: the CLI waits, resumes, every line stored once', async () => {
    const first = await spawnDaemon({ env: FAST_HASHES })
    const port = Number(new URL(first.url).port)
    let second: SpawnedDaemon | null = null
    const home = tempHome()
    const anon = new LedgerClient({ baseUrl: first.url })
    try {
      const a = await accountWithKey(anon, 'restart')
      await a.account.client.updateProject('restart', { daily_quota: 10_000_000 })
      const readKey = (await a.account.client.createApiKey(a.project.project_id, { name: 'reader' })).full_key
      const reader = anon.withCredential(readKey)
      const run = startIngest({ home, url: first.url, env: { LEDGER_API_KEY: a.key.full_key }, timeoutMs: 90_000 }, '--json')
      const N = 40_000
      let seq = 0
      // A steady writer, held back by the pipe whenever the CLI stops reading.
      const writer = (async () => {
        while (seq < N) {
          const block: string[] = []
          for (let i = 0; i < 500; i++) block.push(JSON.stringify({ msg: `restart ${seq}`, seq: seq++ }))
          await run.write(`${block.join('\n')}\n`)
          await new Promise((r) => setTimeout(r, 2))
        }
        run.end()
      })()
      // Some of it reaches the first daemon; then the daemon dies mid-stream.
      await waitFor(async () => (await reader.logs({ limit: 1 })).logs.length > 0, 10_000, 'lines in the first daemon')
      first.child.kill('SIGKILL')
      await first.stop()
      const atKill = seq
      await waitFor(() => /cannot reach the Ledger daemon/.test(run.stderr()), 10_000, 'the CLI to notice')
      // While it is down, the CLI keeps what it has read and stops reading: the writer stalls.
      await new Promise((r) => setTimeout(r, 1500))
      const stalledAt = seq
      await new Promise((r) => setTimeout(r, 500))
      expect(seq).toBe(stalledAt)
      expect(stalledAt - atKill).toBeLessThan(N / 2)
      second = await spawnDaemon({ home: first.home, port, env: FAST_HASHES })
      await writer
      const r = await run.result
      expect(r.code, r.stderr).toBe(0)
      expect(summaryOf(r)).toMatchObject({ lines_read: N, accepted: N, undelivered: 0 })
      expect(r.stderr).toMatch(/delivering again after/)
      const logs = await allLogs(reader)
      expect(logs).toHaveLength(N)
      expect(seqs(logs)).toEqual(range(N))
    } finally {
      await anon.close()
      await first.stop()
      await second?.stop()
      rmSync(home, { recursive: true, force: true })
      rmSync(first.home, { recursive: true, force: true })
    }
  })

  test('--on-failure fail: stops while the input is still open once a batch has failed for --give-up-after', async () => {
    const home = tempHome()
    try {
      const url = `http://127.0.0.1:${await deadPort()}`
      const run = startIngest({ home, url, env: { LEDGER_API_KEY: 'ldg_proj_1_0SoTLYHQHnBb6ag9IFCDt3QoFGDH69uxah4QlYLE' } }, '--on-failure', 'fail', '--give-up-after', '1')
      await run.write('a\nb\n')
      const r = await run.result
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/Error: gave up after 1 s: cannot reach the Ledger daemon/)
      expect(r.stderr).toMatch(/2 lines read, 0 accepted, 2 NOT delivered/)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })

  test('down from the start: retries, then gives up with a clear message and a count', async () => {
    const home = tempHome()
    try {
      const url = `http://127.0.0.1:${await deadPort()}`
      const key = 'ldg_proj_1_0SoTLYHQHnBb6ag9IFCDt3QoFGDH69uxah4QlYLE'
      const t0 = Date.now()
      const r = await ledger({ home, url, env: { LEDGER_API_KEY: key }, input: 'a\nb\nc\n' }, 'ingest', '--give-up-after', '2', '--json')
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2000)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/cannot reach the Ledger daemon at http:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED[^)]*\); retrying/)
      expect(r.stderr).toMatch(/Error: 3 lines were not delivered \(cannot reach the Ledger daemon/)
      const s = summaryOf(r)
      expect(s).toMatchObject({ lines_read: 3, accepted: 0, undelivered: 3, exit_code: 1 })
      expect(s.retries).toBeGreaterThan(1)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})
