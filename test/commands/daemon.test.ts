import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { type CliResult, runCli, startCli } from '../helpers/cli.js'
import { tempHome, waitFor } from '../helpers/daemon.js'
import { ledger as ledgerInProcess, startLedger } from '../helpers/in-process.js'
import { formatLocalTimestamp } from '../../src/shared/time.js'
import { isAlive } from '../../src/shared/daemon-state.js'

// `ledger daemon …`, each on its own temp LEDGER_HOME and port 0: `daemon run` as the real
// binary (it is the server process: signals, exit codes, the lock), the other commands inside
// vitest (`daemon start` still starts a real `daemon run` process).

type Result = CliResult

/** What `<home>/data/daemon.json` holds while a daemon runs. */
interface StateFile {
  pid: number
  host: string
  port: number
  url: string
  started_at: string
  version: string
}

const homes = new Set<string>()
const children = new Set<ChildProcess>()
/** Every daemon pid a test has seen, so none outlives the suite. */
const daemonPids = new Set<number>()

/** A fresh LEDGER_HOME, removed (and its daemon killed) after the test. */
function newHome(): string {
  const home = tempHome()
  homes.add(home)
  return home
}

const dataDir = (home: string) => join(home, 'data')
const dataFile = (home: string, name: string) => join(home, 'data', name)

function readStateFile(home: string): StateFile | null {
  try {
    const state = JSON.parse(readFileSync(dataFile(home, 'daemon.json'), 'utf8')) as StateFile
    daemonPids.add(state.pid)
    return state
  } catch {
    return null
  }
}

/** Runs `node bin/run.js …args` to its end. */
function ledger(home: string, ...args: string[]): Promise<Result> {
  return runCli({ home, env: { LEDGER_LOG_LEVEL: undefined }, timeoutMs: 45_000 }, ...args)
}

/** Runs `ledger …args` inside vitest to its end, with the same environment. */
function inProcess(home: string, ...args: string[]): Promise<Result> {
  return ledgerInProcess({ home, env: { LEDGER_LOG_LEVEL: undefined }, timeoutMs: 45_000 }, ...args)
}

interface Foreground {
  child: ChildProcess
  stdout(): string
  stderr(): string
  exited: Promise<number | null>
}

/** `node bin/run.js daemon run …args` in the foreground, not waited for. */
function runForeground(home: string, ...args: string[]): Foreground {
  const cli = startCli({ home, env: { LEDGER_LOG_LEVEL: undefined }, timeoutMs: 120_000 }, 'daemon', 'run', ...args)
  cli.child.stdin.end()
  children.add(cli.child)
  return { child: cli.child, stdout: cli.stdout, stderr: cli.stderr, exited: cli.result.then((r) => r.code) }
}

/** `daemon run --port 0`, once it has written its state file (it is listening). */
async function startForeground(home: string, ...args: string[]): Promise<Foreground & { state: StateFile }> {
  const daemon = runForeground(home, '--port', '0', ...args)
  const state = await waitFor(
    () => {
      if (daemon.child.exitCode !== null) throw new Error(`daemon run exited: ${daemon.stderr()}`)
      const s = readStateFile(home)
      return s && s.pid === daemon.child.pid ? s : null
    },
    30_000,
    'daemon run to listen',
  )
  return { ...daemon, state }
}

/**
 * Until the process has exited. A zombie counts (isAlive): a daemon from `daemon start` belongs
 * to init once `start` returns, and init in a container may reap it late.
 */
function waitGone(pid: number): Promise<true> {
  return waitFor(() => !isAlive(pid), 20_000, `pid ${pid} to exit`)
}

function killHard(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

const mode = (file: string) => statSync(file).mode & 0o777

/** An error is one readable line (plus at most a hint line), never a stack trace. */
function expectOneLineError(r: Result): string {
  const lines = r.stderr.trim().split('\n')
  expect(lines.length).toBeLessThanOrEqual(2)
  expect(r.stderr).not.toMatch(/^\s+at /m)
  return lines[0]!
}

async function cleanUp(home: string): Promise<void> {
  const state = readStateFile(home)
  if (state && isAlive(state.pid)) {
    killHard(state.pid)
    await waitGone(state.pid)
  }
  rmSync(home, { recursive: true, force: true })
}

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('close', resolve))
    }
  }
  children.clear()
  for (const home of homes) await cleanUp(home)
  homes.clear()
})

afterAll(async () => {
  for (const pid of daemonPids) {
    if (isAlive(pid)) {
      killHard(pid)
      await waitGone(pid)
    }
  }
})

describe('daemon run (foreground)', () => {
  test('is the server process: its pid is the one in <LEDGER_HOME>/data/daemon.json', async () => {
    const home = newHome()

    const daemon = await startForeground(home)

    expect(daemon.state.pid).toBe(daemon.child.pid)
    expect(daemon.state).toMatchObject({ host: '127.0.0.1', url: `http://127.0.0.1:${daemon.state.port}` })
    expect(daemon.state.port).toBeGreaterThan(0)
    expect(Date.parse(daemon.state.started_at)).not.toBeNaN()
    const res = await fetch(`${daemon.state.url}/health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'healthy' })
  })

  test('logs exactly one JSON line per request, with method, url and status; routine polling that went well only at debug', async () => {
    const home = newHome()
    const daemon = await startForeground(home)
    const requestLines = () =>
      daemon
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => 'method' in entry)

    // /health (routine polling, #24) is not logged at info; the others are, one line each.
    for (const path of ['/health', '/api/v1/accounts/me', '/api/v1/accounts/me', '/health', '/no-such-route'])
      await (await fetch(daemon.state.url + path)).text()
    await waitFor(() => requestLines().length >= 3, 20_000, 'three request lines')
    // Stopped so that everything it would log is in: still exactly three.
    daemon.child.kill('SIGTERM')
    expect(await daemon.exited).toBe(0)

    expect(requestLines()).toEqual([
      expect.objectContaining({ method: 'GET', url: '/api/v1/accounts/me', status: 401 }),
      expect.objectContaining({ method: 'GET', url: '/api/v1/accounts/me', status: 401 }),
      expect.objectContaining({ method: 'GET', url: '/no-such-route', status: 404 }),
    ])
  })

  test.each(['SIGTERM', 'SIGINT'] as const)(
    'closes cleanly on %s: exit code 0, daemon.json removed',
    async (signal) => {
      const home = newHome()
      const daemon = await startForeground(home)

      daemon.child.kill(signal)

      expect(await daemon.exited).toBe(0)
      expect(daemon.child.signalCode).toBeNull()
      expect(existsSync(dataFile(home, 'daemon.json'))).toBe(false)
      expect(daemon.stderr()).not.toMatch(/error/i)
    },
  )

  test('a second daemon run on the same LEDGER_HOME exits 1 naming the running pid; the first keeps serving', async () => {
    const home = newHome()
    const first = await startForeground(home)

    const second = await ledger(home, 'daemon', 'run', '--port', '0')

    expect(second.code).toBe(1)
    const line = expectOneLineError(second)
    expect(line).toContain('already running')
    expect(line).toContain(`pid ${first.state.pid}`)
    expect(readStateFile(home)).toEqual(first.state)
    expect((await fetch(`${first.state.url}/health`)).status).toBe(200)
  })

  test('two daemon runs started at once on a fresh LEDGER_HOME: one serves, the other exits 1', async () => {
    // Twice: how the two interleave varies from run to run.
    for (let round = 0; round < 2; round++) {
      const home = newHome()

      const a = runForeground(home, '--port', '0')
      const b = runForeground(home, '--port', '0')
      await waitFor(() => a.child.exitCode !== null || b.child.exitCode !== null, 30_000, 'one to give up')

      const [loser, winner] = a.child.exitCode !== null ? [a, b] : [b, a]
      expect(loser.child.exitCode).toBe(1)
      expect(loser.stderr()).toContain(`already running for ${dataDir(home)} (pid ${winner.child.pid}`)
      const state = await waitFor(() => readStateFile(home)?.pid === winner.child.pid && readStateFile(home))
      expect((await fetch(`${state.url}/health`)).status).toBe(200)
      expect(winner.child.exitCode).toBeNull()
      winner.child.kill('SIGTERM')
      expect(await winner.exited).toBe(0)
    }
  })

  test('a port already in use: exit 1, one readable line, no stack trace, no state file', async () => {
    const home = newHome()
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as AddressInfo
    let r: Result
    try {
      r = await ledger(home, 'daemon', 'run', '--port', String(port))
    } finally {
      blocker.close()
    }

    expect(r.code).toBe(1)
    expect(expectOneLineError(r)).toBe(`Error: port ${port} on 127.0.0.1 is already in use`)
    expect(r.stdout).not.toMatch(/"level":5\d/)
    expect(existsSync(dataFile(home, 'daemon.json'))).toBe(false)
  })

  test.each([
    [['--port', 'abc'], /--port.*Expected an integer but received: abc/],
    [['--port', '70000'], /--port.*65535/],
    [['--host'], /--host expects a value/],
  ])('usage error %j: exit 2 and one line saying what is wrong', async (args, message) => {
    const r = await inProcess(newHome(), 'daemon', 'run', ...args)

    expect(r.code).toBe(2)
    expect(expectOneLineError(r)).toMatch(message)
    expect(r.stdout).toBe('')
  })
})

describe('every daemon command parses its flags', () => {
  test.each(['run', 'start', 'status', 'stop', 'logs'])(
    'daemon %s --bogus: exit 2, one line on stderr, nothing on stdout',
    async (command) => {
      const r = await inProcess(newHome(), 'daemon', command, '--bogus')

      expect(r.code).toBe(2)
      expect(expectOneLineError(r)).toBe('Error: Nonexistent flag: --bogus')
      expect(r.stdout).toBe('')
    },
  )

  test('daemon status --json with a usage error prints one JSON error document, on stderr', async () => {
    const r = await inProcess(newHome(), 'daemon', 'status', '--json', '--bogus')

    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(JSON.parse(r.stderr)).toEqual({
      error: { message: 'Nonexistent flag: --bogus', hint: 'See --help.', exit_code: 2 },
    })
  })
})

describe('daemon start, status, stop (background)', () => {
  // One daemon through its life: each test takes it one step further.
  let home: string
  let state: StateFile

  beforeAll(() => {
    home = tempHome()
  })
  afterAll(async () => {
    await cleanUp(home)
  })

  test('start --port 0 exits 0, prints the URL, and GET <url>/health answers', async () => {
    const r = await inProcess(home, 'daemon', 'start', '--port', '0')

    expect(r.code).toBe(0)
    const url = /http:\/\/127\.0\.0\.1:(\d+)/.exec(r.stdout)?.[0]
    expect(url).toBeDefined()
    state = readStateFile(home)!
    expect(state.url).toBe(url)
    expect(r.stdout).toContain(`pid ${state.pid}`)
    const res = await fetch(`${url}/health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'healthy' })
  })

  test('status exits 0 and says it runs, where, as which pid, and since when', async () => {
    const r = await inProcess(home, 'daemon', 'status')

    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`is running at ${state.url} (pid ${state.pid})`)
    expect(r.stdout).toContain(`since ${state.started_at}`)
    expect(r.stderr).toBe('')
  })

  test('status --json prints one JSON document', async () => {
    const r = await inProcess(home, 'daemon', 'status', '--json')

    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as Record<string, unknown>
    expect(doc).toMatchObject({
      running: true,
      healthy: true,
      pid: state.pid,
      url: state.url,
      started_at: state.started_at,
      data_dir: dataDir(home),
      log_file: dataFile(home, 'daemon.log'),
    })
    expect(doc['uptime_seconds']).toBeTypeOf('number')
    expect(doc['uptime_seconds']).toBeGreaterThanOrEqual(0)
  })

  test('start again says it is already running, exits 0, and keeps the same daemon', async () => {
    const text = await inProcess(home, 'daemon', 'start', '--port', '0')
    const json = await inProcess(home, 'daemon', 'start', '--port', '0', '--json')

    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`already running at ${state.url} (pid ${state.pid})`)
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ started: false, pid: state.pid, url: state.url })
    expect(readStateFile(home)).toEqual(state)
  })

  test('logs -n 5 prints the last 5 lines of <LEDGER_HOME>/data/daemon.log', async () => {
    const log = dataFile(home, 'daemon.log')
    // (Health checks are logged at debug now: enough requests of its own for more than 5 lines.)
    for (const n of [1, 2, 3, 4, 5, 6]) await (await fetch(`${state.url}/probe-${n}`)).text()
    await waitFor(
      () => readFileSync(log, 'utf8').includes('"url":"/probe-6"'),
      20_000,
      'the last request in the log',
    )
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n')
    expect(lines.length).toBeGreaterThan(5)

    // --json: the raw lines.
    const r = await inProcess(home, 'daemon', 'logs', '-n', '5', '--json')

    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`${lines.slice(-5).join('\n')}\n`)
    expect(JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({
      method: 'GET',
      url: '/probe-6',
      status: 404,
    })
    // Without: local time and plain words.
    const plain = await inProcess(home, 'daemon', 'logs', '-n', '1')
    const last = JSON.parse(lines.at(-1)!) as { time: number }
    const t = new Date(last.time)
    const two = (n: number) => String(n).padStart(2, '0')
    const local = `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`
    expect(plain.stdout).toMatch(new RegExp(`^${local} INFO  GET /probe-6 404 [0-9.]+ms\n$`))
  })

  test('status and logs show times in TZ, in UTC with --utc (#24)', async () => {
    const kolkata = (...args: string[]) => ledgerInProcess({ home, env: { LEDGER_LOG_LEVEL: undefined, TZ: 'Asia/Kolkata' } }, ...args)
    const started = Date.parse(state.started_at)
    const status = await kolkata('daemon', 'status')
    expect(status.stdout).toContain(`since ${formatLocalTimestamp(started, 'Asia/Kolkata')} (up`)
    expect(status.stdout).toMatch(/since \S+\+05:30 \(up/)
    expect((await kolkata('daemon', 'status', '--utc')).stdout).toContain(`since ${formatLocalTimestamp(started, 'UTC')} (up`)
    const raw = (await kolkata('daemon', 'logs', '-n', '1', '--json')).stdout
    const { time } = JSON.parse(raw) as { time: number }
    const wall = (zone: string) => formatLocalTimestamp(Math.floor(time / 1000) * 1000, zone).slice(0, 19).replace('T', ' ')
    expect((await kolkata('daemon', 'logs', '-n', '1')).stdout.startsWith(`${wall('Asia/Kolkata')} `)).toBe(true)
    expect((await kolkata('daemon', 'logs', '-n', '1', '--utc')).stdout.startsWith(`${wall('UTC')} `)).toBe(true)
    // Cut at -n, it says how many lines came before (#24); --all prints them all.
    const lines = readFileSync(dataFile(home, 'daemon.log'), 'utf8').trimEnd().split('\n').length
    const one = await kolkata('daemon', 'logs', '-n', '1')
    expect(one.stderr).toMatch(/^(\d+) more lines before these — use -n or --all\.\n$/)
    expect(Number(/^\d+/.exec(one.stderr)![0])).toBeGreaterThanOrEqual(lines - 1)
    const all = await kolkata('daemon', 'logs', '--all')
    expect(all.stdout.trimEnd().split('\n').length).toBeGreaterThanOrEqual(lines)
    expect(all.stderr).toBe('')
  })

  test('logs -f prints new lines as they come, and Ctrl-C ends it with exit 130', async () => {
    const follow = startLedger({ home, env: { LEDGER_LOG_LEVEL: undefined } }, 'daemon', 'logs', '-n', '0', '-f')
    // Requests until one is printed (then it follows), then one more.
    let n = 0
    await waitFor(
      async () => {
        await (await fetch(`${state.url}/follow-${++n}`)).text()
        return follow.stdout().includes('/follow-')
      },
      20_000,
      'a followed line',
    )
    await (await fetch(`${state.url}/follow-last`)).text()
    await waitFor(() => follow.stdout().includes('/follow-last'), 20_000, 'the next followed line')
    follow.signal('SIGINT')
    expect((await follow.result).code).toBe(130)
  })

  test('its files live under <LEDGER_HOME>/data; state, database and secret are owner-only', () => {
    for (const name of ['daemon.json', 'daemon.log', 'ledger.db', 'secret.key']) {
      expect(existsSync(dataFile(home, name)), name).toBe(true)
      expect(existsSync(join(home, name)), name).toBe(false)
    }
    for (const name of ['daemon.json', 'ledger.db', 'secret.key', 'daemon.log']) {
      expect(mode(dataFile(home, name)).toString(8), name).toBe('600')
    }
    expect(mode(dataDir(home)).toString(8)).toBe('700')
  })

  test('stop exits 0; the process is gone and daemon.json removed', async () => {
    const r = await inProcess(home, 'daemon', 'stop')

    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`stopped (pid ${state.pid})`)
    expect(r.stderr).toBe('')
    await waitGone(state.pid)
    expect(existsSync(dataFile(home, 'daemon.json'))).toBe(false)
  })

  test('status afterwards exits 1 and says it is not running', async () => {
    const text = await inProcess(home, 'daemon', 'status')
    const json = await inProcess(home, 'daemon', 'status', '--json')

    expect(text.code).toBe(1)
    expect(text.stdout).toContain('is not running')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ running: false, pid: null, url: null, healthy: false })
  })

  test('stop when not running exits 0', async () => {
    const r = await inProcess(home, 'daemon', 'stop')

    expect(r.code).toBe(0)
    expect(r.stdout).toContain('not running')
  })
})

describe('daemon.log rotation (#24)', () => {
  test('daemon start hands daemon.log to the daemon, which rotates it by size; daemon logs reads across the rotation, -f too', async () => {
    const home = newHome()
    const env = { LEDGER_LOG_LEVEL: undefined, LEDGER_LOG_MAX_MB: '0.002', LEDGER_LOG_FILES: '2' }
    const run = (...args: string[]) => ledgerInProcess({ home, env, timeoutMs: 45_000 }, ...args)
    expect((await run('daemon', 'start', '--port', '0')).code).toBe(0)
    const state = readStateFile(home)!
    const log = dataFile(home, 'daemon.log')
    const follow = startLedger({ home, env }, 'daemon', 'logs', '-n', '0', '-f', '--json')
    try {
      // Requests until the follow prints one (it is then watching).
      let w = 0
      await waitFor(
        async () => {
          await (await fetch(`${state.url}/warm-${++w}`)).text()
          return follow.stdout().includes('/warm-')
        },
        20_000,
        'the follow to start',
      )
      // Requests (one info line each, ~200 bytes) until daemon.log has been rotated twice over.
      let n = 0
      await waitFor(
        async () => {
          await (await fetch(`${state.url}/rot-${++n}`)).text()
          return existsSync(`${log}.2`) && n > 30
        },
        30_000,
        'daemon.log.2',
      )
      // The line of the last request is written after its answer: waited for.
      const readWhole = () => [`${log}.2`, `${log}.1`, log].map((f) => readFileSync(f, 'utf8')).join('')
      const lastLine = `"url":"/rot-${n}"`
      await waitFor(() => readWhole().includes(lastLine), 20_000, 'the last request in the log')
      expect(existsSync(`${log}.3`)).toBe(false)
      for (const f of [log, `${log}.1`, `${log}.2`]) expect(statSync(f).size, f).toBeLessThanOrEqual(2098)
      // The whole log, oldest first, is .2, .1, then daemon.log; --all prints it as one.
      const whole = readWhole()
      const all = await run('daemon', 'logs', '--all', '--json')
      expect(all.stdout).toBe(whole)
      // -n N with fewer than N lines in daemon.log reaches into the rotated files.
      const current = readFileSync(log, 'utf8').trimEnd().split('\n').length
      const some = await run('daemon', 'logs', '-n', String(current + 3), '--json')
      expect(some.stdout).toBe(`${whole.trimEnd().split('\n').slice(-(current + 3)).join('\n')}\n`)
      // The follow saw every request in order, through the rotations.
      const last = n
      await waitFor(() => follow.stdout().includes(`"/rot-${last}"`), 20_000, 'the last request followed')
      const followed = [...follow.stdout().matchAll(/"url":"\/rot-(\d+)"/g)].map((m) => Number(m[1]))
      expect(followed).toEqual(Array.from({ length: last }, (_, i) => i + 1))
    } finally {
      follow.signal('SIGINT')
      await follow.result
      await run('daemon', 'stop')
    }
  })
})

describe('a stale pid file never blocks a start', () => {
  test('after kill -9: status says not running, and start succeeds with a new pid', async () => {
    const home = newHome()
    expect((await inProcess(home, 'daemon', 'start', '--port', '0')).code).toBe(0)
    const killed = readStateFile(home)!
    process.kill(killed.pid, 'SIGKILL')
    await waitGone(killed.pid)
    expect(readStateFile(home)).toEqual(killed)

    const status = await inProcess(home, 'daemon', 'status')
    const start = await inProcess(home, 'daemon', 'start', '--port', '0')

    expect(status.code).toBe(1)
    expect(status.stdout).toContain('is not running')
    expect(start.code).toBe(0)
    const fresh = readStateFile(home)!
    expect(fresh.pid).not.toBe(killed.pid)
    expect(start.stdout).toContain(`started at ${fresh.url} (pid ${fresh.pid})`)
    expect((await fetch(`${fresh.url}/health`)).status).toBe(200)
    expect((await inProcess(home, 'daemon', 'stop')).code).toBe(0)
    await waitGone(fresh.pid)
  })

  test.skipIf(process.platform === 'win32')(
    'a pid reused by another program (after a reboot) neither blocks a start nor gets signalled',
    async () => {
      const home = newHome()
      // A daemon that died with the machine, and a process that later got its pid.
      expect((await inProcess(home, 'daemon', 'start', '--port', '0')).code).toBe(0)
      const old = readStateFile(home)!
      expect((await inProcess(home, 'daemon', 'stop')).code).toBe(0)
      const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
      children.add(bystander)
      writeFileSync(dataFile(home, 'daemon.json'), JSON.stringify({ ...old, pid: bystander.pid }))

      const status = await inProcess(home, 'daemon', 'status')
      const stop = await inProcess(home, 'daemon', 'stop')
      const start = await inProcess(home, 'daemon', 'start', '--port', '0')

      expect(status.code).toBe(1)
      expect(status.stdout).toContain('is not running')
      expect(stop.code).toBe(0)
      expect(stop.stdout).toContain('not running')
      expect(start.code).toBe(0)
      expect(readStateFile(home)!.pid).not.toBe(bystander.pid)
      expect(bystander.exitCode).toBeNull()
      expect(bystander.signalCode).toBeNull()
      expect(isAlive(bystander.pid!)).toBe(true)
    },
  )
})
