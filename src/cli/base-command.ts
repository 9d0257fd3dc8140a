import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import chalk from 'chalk'
import type { LedgerClient} from '../client/index.js';
import { LedgerApiError, LedgerConnectionError } from '../client/index.js'
import { resolvePaths } from '../shared/paths.js'
import { readConfig, resolveTarget, type Target } from './config.js'
import { CredentialStore, keychainHung } from './credentials.js'
import { CliError, EXIT } from './errors.js'
import { type ProjectAccess, Session } from './session.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>

/**
 * Every command's base: `--json`, `--debug`, and one `catch()` that turns any failure into one
 * readable line (plus a hint) on stderr and an exit code; a stack only with `--debug`.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    debug: Flags.boolean({
      description: 'Show stack traces and internal details on errors.',
      helpGroup: 'GLOBAL',
    }),
  }

  protected debugMode = false

  override async init(): Promise<void> {
    this.debugMode = this.argv.includes('--debug')
    // chalk follows FORCE_COLOR and the TTY; NO_COLOR (no-color.org) is ours to honour.
    if (process.env['NO_COLOR']) chalk.level = 0
    await super.init()
  }

  override async finally(err: Error | undefined): Promise<void> {
    await super.finally(err)
    // A keychain call that hung holds a native thread that would keep the process alive.
    if (keychainHung()) setTimeout(() => process.exit(), 100).unref()
  }

  /** Diagnostics go to stderr so stdout carries only the result. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // oclif's own flow control (exit(), --help) and parse errors keep their meaning.
    if (err instanceof Errors.ExitError) throw err
    const { message, hint, code } = describe(err)
    if (this.debugMode && err.stack) process.stderr.write(`${err.stack}\n`)
    if (this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify({ error: { message, hint, exit_code: code } })}\n`)
    } else {
      process.stderr.write(`${chalk.red('Error:')} ${message}\n`)
      if (hint) process.stderr.write(`${chalk.dim(hint)}\n`)
    }
    return this.exit(code)
  }
}

function describe(err: Error & { oclif?: { exit?: number } }): {
  message: string
  hint?: string
  code: number
} {
  if (err instanceof CliError) return { message: err.message, hint: err.hint, code: err.exitCode }
  if (err instanceof LedgerConnectionError) {
    return {
      message: err.message,
      hint: 'Is it running? Start it with `ledger daemon start`.',
      code: EXIT.error,
    }
  }
  if (err instanceof LedgerApiError) {
    if (err.status === 401)
      return { message: err.detail, hint: 'Log in with `ledger login`.', code: EXIT.auth }
    return { message: err.detail, code: EXIT.error }
  }
  // oclif parse errors (unknown flag, missing arg…) are usage errors.
  if (err.oclif?.exit === 2 || err.name === 'CLIError' || /Parse|Flag|Arg/i.test(err.constructor.name)) {
    return { message: parseMessage(err.message), hint: 'See --help.', code: EXIT.usage }
  }
  return {
    message: err.message.split('\n')[0] ?? 'unexpected error',
    hint: 'Run again with --debug for details.',
    code: EXIT.error,
  }
}

/**
 * oclif's parse errors span lines ("Parsing --port \n\tExpected an integer but received: abc\n
 * See more help with --help"): the first alone does not say what is wrong. One line, the reason
 * kept, oclif's help pointer dropped (the hint says it).
 */
function parseMessage(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^See more help with/i.test(l))
  return lines.join(': ').replace(/:\s*:/g, ':') || message
}

/** oclif's FlagOutput and ArgOutput (not exported by @oclif/core). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ParsedOutput = { [name: string]: any }

/**
 * The base of every command that talks to the daemon's API: `--url` and `--profile`, the
 * credential store, and clients carrying the right credential.
 */
export abstract class ApiCommand extends BaseCommand {
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    url: Flags.string({
      description: 'Daemon URL (default: LEDGER_URL, else the profile\'s, else http://127.0.0.1:8000).',
      helpGroup: 'GLOBAL',
    }),
    profile: Flags.string({
      description: 'Named profile, with its own URL and credentials (default: LEDGER_PROFILE, else "default").',
      helpGroup: 'GLOBAL',
    }),
  }

  private sessionCache: Session | undefined
  /** `--url` and `--profile` as oclif parsed them (every command parses before its first request). */
  private globalFlags: { url?: string; profile?: string } | undefined

  protected override async parse<F extends ParsedOutput, B extends ParsedOutput, A extends ParsedOutput>(options?: Interfaces.Input<F, B, A>, argv?: string[]): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    const { url, profile } = parsed.flags as { url?: string; profile?: string }
    this.globalFlags = { url, profile }
    return parsed
  }

  override async init(): Promise<void> {
    process.once('SIGINT', () => this.interrupted())
    // `ledger logs | head`: a reader that has gone away is not an error.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT.ok)
      throw err
    })
    await super.init()
  }

  /** Ctrl-C: exit 130 (commands with work to flush first override this). */
  protected interrupted(): void {
    process.stderr.write('\n')
    process.exit(EXIT.interrupted)
  }

  /** The profile and daemon this invocation talks to. */
  protected get target(): Target {
    return this.session.target
  }

  /** The daemon URL this invocation talks to. */
  protected daemonUrl(): string {
    return this.target.url
  }

  /** Credentials of the current profile on the current daemon. */
  protected get session(): Session {
    if (!this.sessionCache) {
      const { config } = resolvePaths()
      if (!this.globalFlags) throw new Error(`${this.id ?? 'this command'} used its session before parse()`)
      const flags = this.globalFlags
      let target: Target
      try {
        target = resolveTarget(flags, process.env, readConfig(config))
      } catch (err) {
        throw new CliError((err as Error).message, undefined, EXIT.usage)
      }
      const store = new CredentialStore(config, (m) => process.stderr.write(`${chalk.yellow(m)}\n`))
      this.sessionCache = new Session(target, store, process.env, config, (m) => process.stderr.write(`${m}\n`))
    }
    return this.sessionCache
  }

  /** A client carrying a valid access token; exit 4 when not logged in. */
  protected accountClient(): Promise<LedgerClient> {
    return this.session.accountClient()
  }

  /** A client carrying an API key for a project (see `Session.projectClient`). */
  protected projectClient(opts: { project?: string; apiKey?: string; create?: boolean }): Promise<ProjectAccess> {
    return this.session.projectClient(opts)
  }

  /** A client without credential (health, register, login). */
  protected anonymousClient(timeoutMs?: number): LedgerClient {
    return this.session.anonymousClient(timeoutMs)
  }

  override async finally(err: Error | undefined): Promise<void> {
    await this.sessionCache?.close()
    await super.finally(err)
  }
}
