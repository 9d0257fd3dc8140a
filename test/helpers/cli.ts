import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { expect } from 'vitest'
import { BIN, ROOT } from './daemon.js'
import { testTempDir } from './tmp.js'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  /** LEDGER_HOME of the run. */
  home: string
  /** LEDGER_URL (omit to leave it unset). */
  url?: string
  /** Written to stdin, then stdin is closed. */
  input?: string
  /** Extra environment; a value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>
  timeoutMs?: number
}

/**
 * The environment of a CLI run: ours, without anything that would make the child find the
 * developer's own Ledger, colours or keychain. DBUS_SESSION_BUS_ADDRESS is removed so the
 * credential store falls back to the file in LEDGER_HOME, unless a test passes a Secret
 * Service's address in `env`.
 */
export function cliEnv(opts: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_HOME: opts.home, NO_COLOR: '1' }
  for (const k of ['LEDGER_URL', 'LEDGER_TOKEN', 'LEDGER_API_KEY', 'LEDGER_PROFILE', 'FORCE_COLOR', 'DBUS_SESSION_BUS_ADDRESS'])
    delete env[k]
  if (opts.url) env['LEDGER_URL'] = opts.url
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/** A CLI process still running: its output so far, its stdin, and its end. */
export interface RunningCli {
  child: ChildProcessWithoutNullStreams
  result: Promise<CliResult>
  stdout(): string
  stderr(): string
  /** Writes to stdin, waiting for the pipe to drain (the CLI's backpressure reaches us here). */
  write(text: string): Promise<void>
  end(): void
}

/** Starts `node bin/run.js …args` with stdin left open; it is killed after `timeoutMs` (30 s). */
export function startCli(opts: CliOptions, ...args: string[]): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: cliEnv(opts),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  // A CLI that exits (or a daemon killed under it) must not make our writes throw.
  child.stdin.on('error', () => {})
  // A hung command fails its test instead of outliving it.
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
  return {
    child,
    result,
    stdout: () => stdout,
    stderr: () => stderr,
    write: (text) =>
      new Promise<void>((resolve) => {
        if (child.stdin.write(text)) resolve()
        else child.stdin.once('drain', () => resolve())
      }),
    end: () => child.stdin.end(),
  }
}

/** Runs `node bin/run.js …args` as a user would, `input` on stdin, to its end. */
export function runCli(opts: CliOptions, ...args: string[]): Promise<CliResult> {
  const cli = startCli(opts, ...args)
  cli.child.stdin.end(opts.input ?? '')
  return cli.result
}

/** The `--json` document a command printed (exactly one, nothing else on stdout). */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as T
}

/**
 * A failed command as the user sees it: the exit code, and stderr a single readable
 * `Error: …` line (plus at most a hint line) with no stack trace.
 */
export function expectCliError(r: CliResult, code: number, ...words: Array<string | RegExp>): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code)
  const lines = r.stderr.trimEnd().split('\n').filter((l) => !/^Warning: /.test(l))
  const error = lines.findIndex((l) => l.startsWith('Error: '))
  expect(error, r.stderr).toBeGreaterThanOrEqual(0)
  expect(lines.length - error, `more than an error and a hint:\n${r.stderr}`).toBeLessThanOrEqual(2)
  // No stack frame, no source path.
  expect(r.stderr).not.toMatch(/^\s+at |node_modules|\.(ts|js):\d+/m)
  for (const w of words) {
    if (typeof w === 'string') expect(lines[error]!.toLowerCase()).toContain(w.toLowerCase())
    else expect(lines[error]).toMatch(w)
  }
}

export interface SecretService {
  /** Environment that points @napi-rs/keyring (and secret-tool) at this Secret Service. */
  env: Record<string, string>
  /** `secret-tool search --all service ledger`: what the keychain holds for Ledger. */
  search(): string
  stop(): void
}

/**
 * A real Secret Service for keychain tests: a private D-Bus session bus with gnome-keyring
 * unlocked on it (with a password: an unlocked-without-password keyring answers "no result").
 * Returns the reason instead when the Debian packages are not installed.
 */
export function startSecretService(): SecretService | { skip: string } {
  const missing = missingCommand(['dbus-daemon', 'gnome-keyring-daemon', 'secret-tool'], 'gnome-keyring dbus libsecret-tools')
  if (missing) return missing
  const bus = startPrivateBus()
  if ('skip' in bus) return bus
  const { env } = bus
  const keyring = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
    input: 'test-password\n',
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
  if (keyring.status !== 0) {
    bus.stop()
    return { skip: `gnome-keyring-daemon did not start: ${keyring.stderr}` }
  }
  return {
    env,
    // gnome-keyring-daemon leaves with its bus.
    stop: bus.stop,
    search: () => {
      // secret-tool prints attributes on stderr and secrets on stdout.
      const r = spawnSync('secret-tool', ['search', '--all', 'service', 'ledger'], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      })
      return r.stdout + r.stderr
    },
  }
}

/** `{ skip }` naming the first of `commands` not installed, with the Debian packages to get. */
function missingCommand(commands: string[], packages: string): { skip: string } | null {
  for (const bin of commands) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) {
      return { skip: `${bin} is not installed (apt-get install ${packages})` }
    }
  }
  return null
}

/** A D-Bus session bus of our own (`dbus-daemon --fork`), with a temp HOME; `stop` ends both. */
function startPrivateBus(): { env: Record<string, string>; stop(): void } | { skip: string } {
  const home = testTempDir('ledger-keyring-')
  const bus = spawnSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], {
    encoding: 'utf8',
    env: { ...process.env, HOME: home },
  })
  const [address, pid] = bus.stdout.trim().split('\n')
  if (bus.status !== 0 || !address || !pid) {
    rmSync(home, { recursive: true, force: true })
    return { skip: `dbus-daemon did not start: ${bus.stderr}` }
  }
  return {
    env: { HOME: home, DBUS_SESSION_BUS_ADDRESS: address },
    stop: () => {
      try {
        process.kill(Number(pid))
      } catch {
        // gone already
      }
      rmSync(home, { recursive: true, force: true })
    },
  }
}

/**
 * A Secret Service that never answers: `dbus-test-tool black-hole` owns its bus name and
 * swallows every call (what a hung keyring daemon looks like to a client).
 */
export function startUnansweringSecretService(): { env: Record<string, string>; stop(): void } | { skip: string } {
  const missing = missingCommand(['dbus-daemon', 'dbus-send', 'dbus-test-tool'], 'dbus dbus-tests')
  if (missing) return missing
  const bus = startPrivateBus()
  if ('skip' in bus) return bus
  const hole = spawn('dbus-test-tool', ['black-hole', '--session', '--name=org.freedesktop.secrets', '--no-read'], {
    env: { ...process.env, ...bus.env },
    stdio: 'ignore',
  })
  return {
    env: bus.env,
    stop: () => {
      hole.kill()
      bus.stop()
    },
  }
}
