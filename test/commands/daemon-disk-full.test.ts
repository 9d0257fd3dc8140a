import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { LedgerClient } from '../../src/client/index.js'
import { ledger as ledgerInProcess } from '../helpers/in-process.js'
import { waitFor } from '../helpers/daemon.js'
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js'

// Issue #14, item 4, under `ledger daemon start`: daemon.log and the database on a disk that
// fills up. ENOSPC on daemon.log used to raise an unhandled error, and the exit path then spun
// for ever in a synchronous flush of the log: the port stayed bound, every request timed out,
// and `daemon stop` had to SIGKILL. Now log lines that cannot be written are dropped and
// counted, the daemon goes on answering, stops cleanly, and a start on a full disk says so.

const mounted = mountTmpfs(24)
const skip = 'skip' in mounted ? mounted.skip : undefined
const pids = new Set<number>()

afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  if (!skip) (mounted as Tmpfs).unmount()
})

describe.skipIf(skip !== undefined)(`ledger daemon start on a disk that fills up${skip ? ` (skipped: ${skip})` : ''}`, () => {
  test('keeps answering and counts the log lines it drops, recovers, stops cleanly, and a start on a full disk says so in one line', async () => {
    const fs = mounted as Tmpfs
    const home = fs.dir
    const logFile = join(home, 'data', 'daemon.log')
    const ledger = (...args: string[]) =>
      ledgerInProcess({ home, env: { LEDGER_LOG_LEVEL: undefined, LEDGER_SCRYPT_LOG_N: '12' }, timeoutMs: 45_000 }, ...args)
    const started = await ledger('daemon', 'start', '--port', '0', '--json')
    expect(started.code).toBe(0)
    const { pid, url } = JSON.parse(started.stdout) as { pid: number; url: string }
    pids.add(pid)
    // Requests give up after 3 s: the daemon that hung never answered again.
    const client = new LedgerClient({ baseUrl: url, timeoutMs: 3000 })
    try {
      const account = await client.register({ email: 'full@example.com', password: 'SecurePass123', name: 'Full' })
      expect((await client.raw('GET', '/health')).status).toBe(200)

      fs.fill()
      // Every request writes a log line, which now fails: the daemon answers all the same. (Not
      // /health, which is routine polling and logged at debug only.)
      for (let i = 0; i < 40; i++) {
        const r = await client.raw('GET', '/api/v1/accounts/me')
        expect([401, 503]).toContain(r.status)
      }
      // Free space is looked at every second.
      await waitFor(async () => (await client.raw('GET', '/health')).status === 503, 5000, '/health to say unhealthy')
      const write = await client.withCredential(account.access_token).raw('POST', '/api/v1/projects', {
        body: { name: 'Big', slug: 'big' },
      })
      // A write either fits in the database's free pages or is refused as a full disk: never a 500.
      expect([201, 503]).toContain(write.status)
      const deep = await waitFor(async () => {
        const h = await client.deepHealth()
        const log = h.services['log'] as { dropped_lines: number; last_error: string | null }
        return log.dropped_lines > 0 ? { h, log } : null
      }, 10_000, 'dropped lines to be counted')
      expect(deep.log.last_error).toBe('ENOSPC')
      expect(deep.h.status).toBe('unhealthy')

      // Room again: the log says how many lines it lost, and /health is healthy.
      fs.free()
      await waitFor(async () => (await client.raw('GET', '/health')).status === 200, 10_000, '/health to recover')
      await waitFor(() => /log lines were dropped/.test(readFileSync(logFile, 'utf8')), 10_000, 'the notice in daemon.log')
      // Every line is whole JSON, but the one the full disk cut short; the notice is a line of its own.
      const broken = readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .filter((line) => {
          try {
            JSON.parse(line)
            return false
          } catch {
            return true
          }
        })
      expect(broken.length).toBeLessThanOrEqual(1)

      // Full again: stopping is clean and quick (it used to take SIGKILL after 10 s).
      fs.fill()
      await client.raw('GET', '/api/v1/accounts/me')
      const t0 = Date.now()
      const stopped = await ledger('daemon', 'stop')
      expect(stopped.code).toBe(0)
      expect(stopped.stdout).toContain(`Ledger daemon stopped (pid ${pid})`)
      expect(Date.now() - t0).toBeLessThan(8000)
    } finally {
      await client.close()
    }

    // A start on the full disk fails, and says why in one line (plus the hint). (Closing the
    // database removed its WAL and freed some room: filled again first.)
    fs.fill()
    const refused = await ledger('daemon', 'start', '--port', '0')
    // (Should it start after all, it is stopped with the others when the suite ends.)
    try {
      pids.add((JSON.parse(readFileSync(join(home, 'data', 'daemon.json'), 'utf8')) as { pid: number }).pid)
    } catch {
      // not started: no state file
    }
    expect(refused.code).toBe(1)
    const lines = refused.stderr.trim().split('\n')
    expect(lines.length).toBeLessThanOrEqual(2)
    expect(lines[0]).toMatch(/^Error: could not start the daemon: .*the disk holding .* is full/)

    fs.free()
    const again = await ledger('daemon', 'start', '--port', '0', '--json')
    expect(again.code).toBe(0)
    pids.add((JSON.parse(again.stdout) as { pid: number }).pid)
    expect((await ledger('daemon', 'stop')).code).toBe(0)
  }, 120_000)
})
