import { rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { afterAll, describe, expect, test } from 'vitest'
import { expectCliError, json } from '../helpers/cli.js'
import { PASSWORD, startTestDaemon, type TestDaemon, tempHome, uniqueEmail } from '../helpers/daemon.js'
import { type InProcessOptions, ledger } from '../helpers/in-process.js'

// How the CLI finds its daemon without --url: the daemon running for its data dir
// (daemon.json), else the port `daemon start --port` remembered; a daemon that does not answer
// is "cannot reach", never "not logged in"; localhost and 127.0.0.1 are one daemon.

const homes: string[] = []
function home(): string {
  const h = tempHome()
  homes.push(h)
  return h
}

/** A port nothing listens on (taken, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address ? address.port : 0
      s.close(() => resolve(port))
    })
  })
}

const fast = { LEDGER_SCRYPT_LOG_N: '12', LEDGER_LOG_LEVEL: 'warn' }
const run = (opts: InProcessOptions, ...args: string[]) => ledger({ timeoutMs: 45_000, ...opts, env: { ...fast, ...opts.env } }, ...args)

afterAll(async () => {
  for (const h of homes) {
    await run({ home: h }, 'daemon', 'stop')
    rmSync(h, { recursive: true, force: true })
  }
})

describe('without --url, LEDGER_URL or a profile URL', () => {
  test('commands talk to the daemon running for the data dir, wherever it listens', async () => {
    const h = home()
    const started = json<{ url: string }>(await run({ home: h }, 'daemon', 'start', '--port', '0', '--json'))
    const st = await run({ home: h }, 'auth', 'status', '--json')
    expect(st.code, st.stderr).toBe(4)
    const status = JSON.parse(st.stdout) as { url: string; url_source: string }
    expect(status).toMatchObject({ url: started.url, url_source: 'daemon' })
    const r = await run({ home: h, input: `${PASSWORD}\n` }, 'register', '--email', uniqueEmail('find'), '--name', 'Ada', '--password-stdin')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(started.url)
    expect((await run({ home: h }, 'whoami')).code).toBe(0)
  })

  test('`daemon start --port N` remembers N: the next start uses it, and the CLI looks there when it is stopped', async () => {
    const h = home()
    const port = await freePort()
    const first = json<{ url: string }>(await run({ home: h }, 'daemon', 'start', '--port', String(port), '--json'))
    expect(first.url).toBe(`http://127.0.0.1:${port}`)
    expect((await run({ home: h }, 'daemon', 'stop')).code).toBe(0)

    // Stopped: nothing listens, and that is what the user is told (exit 1), not "not logged in".
    const down = await run({ home: h }, 'whoami')
    expectCliError(down, 1, `cannot reach the Ledger daemon at http://127.0.0.1:${port}`)
    expect(down.stderr).toContain('Start it with `ledger daemon start`.')

    const again = json<{ url: string }>(await run({ home: h }, 'daemon', 'start', '--json'))
    expect(again.url).toBe(`http://127.0.0.1:${port}`)
  })
})

describe('a daemon that does not answer', () => {
  test('not logged in and nothing listening: "cannot reach" (exit 1), with the start command for that port', async () => {
    const h = home()
    const port = await freePort()
    for (const args of [['whoami'], ['projects', 'list'], ['logs', '--project', 'web']]) {
      const r = await run({ home: h, url: `http://127.0.0.1:${port}` }, ...args)
      expectCliError(r, 1, `cannot reach the Ledger daemon at http://127.0.0.1:${port}`)
      expect(r.stderr).toContain(`ledger daemon start --port ${port}`)
    }
  })
})

describe('localhost and 127.0.0.1', () => {
  let daemon: TestDaemon
  afterAll(async () => {
    await daemon?.close()
  })

  test('a login through one is the login through the other (same port)', async () => {
    daemon = await startTestDaemon()
    const h = home()
    const email = uniqueEmail('lo')
    const r = await run({ home: h, url: daemon.url, input: `${PASSWORD}\n` }, 'register', '--email', email, '--name', 'Ada', '--password-stdin')
    expect(r.code, r.stderr).toBe(0)
    const viaLocalhost = daemon.url.replace('127.0.0.1', 'localhost')
    const me = json<{ email: string }>(await run({ home: h, url: viaLocalhost }, 'whoami', '--json'))
    expect(me.email).toBe(email)
  })
})
