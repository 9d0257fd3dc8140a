import { spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { Config, Errors } from '@oclif/core'
import type { CredentialStore, StoreKind, StoredSecret } from '../../src/cli/auth/credential-store.js'
import { KeychainStore } from '../../src/cli/auth/keychain-store.js'
import { ProfileFile } from '../../src/cli/auth/profiles.js'
import type { BaseCommand } from '../../src/cli/runtime/base-command.js'
import type { CliContext, Env, StopSignal } from '../../src/cli/runtime/context.js'
import { LedgerClient } from '../../src/client/index.js'
import { resolvePaths } from '../../src/shared/paths.js'
import { type CliOptions, type CliResult, cliEnv } from './cli.js'
import { ROOT } from './daemon.js'

// Commands run inside vitest, as the GitHub CLI tests its commands: each gets a CliContext of
// its own (environment, LEDGER_HOME, captured streams, signals the test sends, an in-memory
// credential store), and runs through oclif's parser and the base command's one error path,
// as in the real binary. test/helpers/cli.ts starts the real binary instead (exit codes,
// signals, stdin, the keychain): a handful of tests do that.

/**
 * The credential store of the in-process tests: entries in memory, kept per LEDGER_HOME so
 * that the commands of one test share them as the real ones share the keychain. It reports
 * itself as the keychain it stands in for.
 */
export class MemoryCredentialStore implements CredentialStore {
  readonly entries = new Map<string, string>()

  constructor(
    readonly file: string,
    private readonly kind: StoreKind = 'keychain',
  ) {}

  async get(entry: string): Promise<StoredSecret | null> {
    const value = this.entries.get(entry)
    return value === undefined ? null : { value, where: this.kind }
  }

  async set(entry: string, value: string): Promise<StoreKind> {
    this.entries.set(entry, value)
    return this.kind
  }

  async delete(entry: string): Promise<void> {
    this.entries.delete(entry)
  }

  /** What it holds, as an object (the shape of credentials.json's `entries`). */
  snapshot(): Record<string, string> {
    return Object.fromEntries(this.entries)
  }
}

const memoryStores = new Map<string, MemoryCredentialStore>()

/** The in-memory store of a LEDGER_HOME (the same one for every command run with it). */
export function memoryStore(home: string): MemoryCredentialStore {
  let store = memoryStores.get(home)
  if (!store) {
    store = new MemoryCredentialStore(join(home, 'config', 'credentials.json'))
    memoryStores.set(home, store)
  }
  return store
}

export interface InProcessOptions extends CliOptions {
  /**
   * Where credentials go: `memory` (default), or `file`: the CLI's own store with no keychain
   * to reach, so it falls back to the 0600 credentials.json in LEDGER_HOME, as on a machine
   * without a Secret Service.
   */
  store?: 'memory' | 'file' | CredentialStore
  /** Whether stdin/stdout/stderr are terminals (default: none is); a terminal stdout has 100 columns and 30 rows. */
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean }
  /** The CLI's clock (default: Date.now). */
  now?: () => number
  /** Input written to stdin before it is closed (a Buffer for bytes that are not UTF-8). */
  input?: string
  bytes?: Buffer
}

/** A command running in this process: its output so far, its stdin, its signals, its end. */
export interface InProcessRun {
  result: Promise<CliResult>
  stdout(): string
  stderr(): string
  /** Writes to stdin, waiting while the command does not read (its backpressure reaches us here). */
  write(text: string | Buffer): Promise<void>
  end(last?: string | Buffer): void
  /** Sends the command a signal, as Ctrl-C or `kill` would. */
  signal(sig: StopSignal): void
  /** Whether the command has ended. */
  done(): boolean
}

let oclifConfig: Promise<Config> | undefined

/** oclif's config of this package (the same one the binary loads), made once per test file. */
function config(): Promise<Config> {
  oclifConfig ??= Config.load({ root: ROOT })
  return oclifConfig
}

/** The command class of `args` (`keys create …` → src/commands/keys/create.ts), and its argv. */
async function findCommand(args: string[]): Promise<{ Command: typeof BaseCommand; id: string; argv: string[] }> {
  for (let n = Math.min(2, args.length); n >= 1; n--) {
    const parts = args.slice(0, n)
    if (parts.some((p) => p.startsWith('-'))) continue
    const file = join(ROOT, 'src', 'commands', ...parts.slice(0, -1), `${parts.at(-1)}.ts`)
    if (existsSync(file)) {
      const mod = (await import(file)) as { default: typeof BaseCommand }
      return { Command: mod.default, id: parts.join(':'), argv: args.slice(n) }
    }
  }
  throw new Error(`no command for: ${args.join(' ')}`)
}

/** A Writable that keeps every byte written to it. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
      callback()
    },
  })
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') }
}

/**
 * Starts `ledger …args` in this process, with a context of its own: `opts.env` over the
 * environment `cliEnv` makes for the binary, LEDGER_HOME, streams the test reads and writes.
 * The run is resolved with the exit code the binary would exit with.
 */
export function startLedger(opts: InProcessOptions, ...args: string[]): InProcessRun {
  const env = cliEnv(opts) as Env
  const paths = resolvePaths(env as NodeJS.ProcessEnv)
  const stdin = new PassThrough()
  const stdout = capture()
  const stderr = capture()
  const signals = new EventEmitter()
  let terminated: (code: number) => void = () => {}
  const termination = new Promise<number>((resolve) => {
    terminated = resolve
  })
  const store =
    opts.store === 'file'
      ? new KeychainStore(paths.config, {
          warn: (m) => stderr.stream.write(`${m}\n`),
          loadKeyring: () => {
            throw new Error('no keychain in this test')
          },
        })
      : opts.store === undefined || opts.store === 'memory'
        ? memoryStore(opts.home)
        : opts.store
  const ctx: CliContext = {
    env,
    paths,
    profiles: new ProfileFile(paths.config),
    io: {
      stdin,
      stdout: stdout.stream,
      stderr: stderr.stream,
      stdinIsTTY: opts.tty?.stdin ?? false,
      stdoutIsTTY: opts.tty?.stdout ?? false,
      stderrIsTTY: opts.tty?.stderr ?? false,
      columns: () => (opts.tty?.stdout ? 100 : undefined),
      rows: () => (opts.tty?.stdout ? 30 : undefined),
      colour: false,
      setRawMode: () => {},
    },
    credentials: store,
    signals: {
      on(signal, handler) {
        signals.on(signal, handler)
        return () => {
          signals.off(signal, handler)
        }
      },
    },
    newClient: (options) => new LedgerClient(options),
    // The pager's output is the command's stdout, as on the terminal both would share.
    startPager: (command, pagerEnv) => {
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], env: pagerEnv as NodeJS.ProcessEnv })
      child.stdout.on('data', (d: Buffer) => stdout.stream.write(d))
      child.stderr.on('data', (d: Buffer) => stderr.stream.write(d))
      return child
    },
    now: opts.now ?? Date.now,
    terminate: (code) => terminated(code),
    unsetEnv: () => {},
    close: async () => {},
  }
  let ended = false
  const result = (async (): Promise<CliResult> => {
    const { Command, id, argv } = await findCommand(args)
    Command.id ??= id
    const command = new (Command as unknown as new (argv: string[], config: Config) => BaseCommand)(argv, await config())
    let code: number
    try {
      code = await Promise.race([command.runWith(ctx).then(() => 0), termination])
    } catch (err) {
      if (!(err instanceof Errors.ExitError)) throw err
      code = err.oclif.exit ?? 1
    }
    ended = true
    return { code, stdout: stdout.text(), stderr: stderr.text() }
  })()
  // A timeout fails the test instead of leaving a command running.
  const timeoutMs = opts.timeoutMs ?? 30_000
  const timed = Promise.race([
    result,
    new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`ledger ${args.join(' ')} did not end within ${timeoutMs} ms`)), timeoutMs)
      void result.finally(() => clearTimeout(t)).catch(() => {})
    }),
  ])
  return {
    result: timed,
    stdout: stdout.text,
    stderr: stderr.text,
    write: (text) =>
      new Promise<void>((resolve) => {
        if (stdin.write(text)) resolve()
        else stdin.once('drain', () => resolve())
      }),
    end: (last) => {
      if (last === undefined) stdin.end()
      else stdin.end(last)
    },
    signal: (sig) => signals.emit(sig, sig),
    done: () => ended,
  }
}

/** Runs `ledger …args` in this process to its end, `input` on stdin (then closed). */
export function ledger(opts: InProcessOptions, ...args: string[]): Promise<CliResult> {
  const run = startLedger(opts, ...args)
  run.end(opts.bytes ?? opts.input ?? '')
  return run.result
}
