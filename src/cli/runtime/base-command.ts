import { format } from 'node:util'
import { Command, Errors, Flags, type Interfaces, ux } from '@oclif/core'
import chalk from 'chalk'
import { Session } from '../auth/session.js'
import { LedgerConnectionError } from '../../client/index.js'
import { readLiveState, startPort } from '../../shared/daemon-state.js'
import { resolveTarget, startHint } from '../auth/target.js'
import type { CliContext } from './context.js'
import { CliError, describeError, EXIT, parseErrorMessage, UsageError } from './errors.js'
import { processContext } from './process-context.js'
import { timeZoneOf } from '../flags/output.js'
import { Pager, pagerCommand, pagerEnv } from '../output/pager.js'
import { Times } from '../output/times.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>

/** oclif's FlagOutput and ArgOutput (not exported by @oclif/core). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ParsedOutput = { [name: string]: any }

/**
 * Every command's base: `--json`, `--debug`, the context the command runs in (built once from
 * the real process, or given by a test), and the one way a command ends: its result (printed
 * as JSON with `--json`) and an exit code, or an error turned into one readable line (plus a
 * hint) on stderr and an exit code; a stack only with `--debug`.
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
  private given: CliContext | undefined
  private built: CliContext | undefined
  private exitStatus: number = EXIT.ok
  private pager: Pager | null = null
  /** Notes held while a pager has the terminal, printed once it is done. */
  private heldNotes: string[] = []

  /** The command's world: env, paths, streams, credentials, clients, signals. */
  protected get ctx(): CliContext {
    this.built ??= this.given ?? processContext()
    return this.built
  }

  /**
   * Runs the command in `ctx` instead of the real process (the tests run commands inside
   * vitest). Resolves with the result; a non-zero exit throws oclif's ExitError.
   */
  async runWith(ctx: CliContext): Promise<unknown> {
    this.given = ctx
    return this._run()
  }

  override async init(): Promise<void> {
    this.debugMode = this.argv.includes('--debug')
    if (!this.ctx.io.colour) chalk.level = 0
    await super.init()
  }

  protected override async _run<T>(): Promise<T> {
    const result = await super._run<T>()
    // After oclif has printed the result: a command may end with its result and a non-zero code.
    if (this.exitStatus !== EXIT.ok) this.exit(this.exitStatus)
    return result
  }

  /**
   * The exit code of a command that ends with its result, but not in full success (`daemon
   * status` of a stopped daemon, `ingest` with rejected lines): the result is printed, then the
   * command exits with `code`.
   */
  protected setExitCode(code: number): void {
    this.exitStatus = code
  }

  /** Everything thrown while oclif reads the argv is a usage error (exit 2). */
  protected override async parse<F extends ParsedOutput, B extends ParsedOutput, A extends ParsedOutput>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv)
    } catch (err) {
      if (err instanceof CliError || err instanceof Errors.ExitError) throw err
      throw new UsageError(parseErrorMessage(err instanceof Error ? err.message : String(err)), err)
    }
  }

  override log(message = '', ...args: unknown[]): void {
    if (!this.jsonEnabled()) this.write(`${format(message, ...args)}\n`)
  }

  /** Human output: to stdout, through the pager when one pages it (see page()). */
  protected write(text: string): void {
    if (this.pager) this.pager.write(text)
    else this.ctx.io.stdout.write(text)
  }

  /**
   * Pages this command's human output when it is long (see Pager): only on a terminal, never
   * with --json or `--no-pager`, and not when LEDGER_PAGER/PAGER is empty or `cat`. Call it
   * after parse, before the output; write with log() or write().
   */
  protected page(flags: { 'no-pager'?: boolean }): void {
    const { io } = this.ctx
    if (this.pager || flags['no-pager'] || this.jsonEnabled() || !io.stdoutIsTTY) return
    const command = pagerCommand(this.ctx.env)
    if (!command) return
    this.pager = new Pager({
      stdout: io.stdout,
      rows: io.rows() || 24,
      columns: io.columns() || 80,
      start: () => this.ctx.startPager(command, pagerEnv(this.ctx.env)),
      // Quit before the end (`q`): nothing left to show, as `ledger logs | head`.
      onQuit: () => this.ctx.terminate(EXIT.ok),
    })
  }

  /** Whether a pager has the terminal now (Ctrl-C is then the pager's). */
  protected get paging(): boolean {
    return this.pager?.open ?? false
  }

  /** The output is over: the pager is given its end and waited for; held notes follow. */
  private async endPager(): Promise<void> {
    const pager = this.pager
    if (!pager) return
    this.pager = null
    await pager.end()
    for (const note of this.heldNotes) this.ctx.io.stderr.write(note)
    this.heldNotes = []
  }

  override logToStderr(message = '', ...args: unknown[]): void {
    if (!this.jsonEnabled()) this.ctx.io.stderr.write(`${format(message, ...args)}\n`)
  }

  protected override logJson(json: unknown): void {
    this.ctx.io.stdout.write(`${ux.colorizeJson(json, { pretty: true, theme: this.config.theme?.json })}\n`)
  }

  /** How this command's human output shows times: local (TZ), or UTC with `--utc` (see utcFlag). */
  protected times(flags: { utc?: boolean }): Times {
    return new Times(timeZoneOf(flags, this.ctx.env), this.ctx.now())
  }

  /** Diagnostics go to stderr so stdout carries only the result. */
  protected note(message: string): void {
    if (this.jsonEnabled()) return
    if (this.pager) this.heldNotes.push(`${message}\n`)
    else this.ctx.io.stderr.write(`${message}\n`)
  }

  override async catch(err: Error): Promise<unknown> {
    // oclif's own flow control (exit(), --help) keeps its meaning.
    if (err instanceof Errors.ExitError) throw err
    // The pager first gets its end: the error is then printed on the shell's screen.
    await this.endPager()
    const report = describeError(err)
    // The daemon does not answer: the start command that brings one up at that URL.
    if (err instanceof LedgerConnectionError) report.hint = startHint(err.url, startPort(this.ctx.paths.data))
    const { message, hint, code, streaming } = report
    const { stderr } = this.ctx.io
    if (this.debugMode && err.stack) stderr.write(`${err.stack}\n`)
    if (code === EXIT.interrupted && message === '') stderr.write('\n')
    else if (this.jsonEnabled() && !streaming) {
      // stdout carries results only: with --json the error is a JSON object too, on stderr.
      stderr.write(`${JSON.stringify({ error: { message, hint, exit_code: code } })}\n`)
    } else {
      stderr.write(`${chalk.red('Error:')} ${message}\n`)
      if (hint) stderr.write(`${chalk.dim(hint)}\n`)
    }
    return this.exit(code)
  }

  override async finally(err: Error | undefined): Promise<void> {
    await this.endPager()
    await super.finally(err)
    await this.ctx.close()
  }
}

/**
 * The base of every command that talks to the daemon's API: `--url` and `--profile`, the
 * session (credentials of that profile on that daemon) and Ctrl-C.
 */
export abstract class ApiCommand extends BaseCommand {
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    url: Flags.string({
      description:
        "Daemon URL (default: LEDGER_URL, else the profile's, else the daemon running for this data dir, else http://127.0.0.1:8000 or the port `daemon start --port` remembered).",
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
  private offInterrupt: (() => void) | undefined

  protected override async parse<F extends ParsedOutput, B extends ParsedOutput, A extends ParsedOutput>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    const { url, profile } = parsed.flags as { url?: string; profile?: string }
    this.globalFlags = { url, profile }
    return parsed
  }

  override async init(): Promise<void> {
    this.offInterrupt = this.ctx.signals.on('SIGINT', () => this.interrupted())
    await super.init()
  }

  /** Ctrl-C: exit 130 at once (commands with work to finish first override this). */
  protected interrupted(): void {
    // less takes Ctrl-C itself (it stops waiting for input); the command ends when it quits.
    if (this.paging) return
    this.ctx.io.stderr.write('\n')
    this.ctx.terminate(EXIT.interrupted)
  }

  /**
   * The project a command acts on: `--project`, else `LEDGER_PROJECT`, else the profile's default (`ledger config set project SLUG`). An API key given by
   * LEDGER_API_KEY or --api-key names its own project, so no default applies then.
   */
  protected defaultedProject(flags: { project?: string; 'api-key'?: string }): string | undefined {
    if (flags.project) return flags.project
    if (flags['api-key'] || this.ctx.env['LEDGER_API_KEY']) return undefined
    return this.ctx.env['LEDGER_PROJECT'] || this.ctx.profiles.read().profiles[this.session.target.profile]?.project
  }

  /** Credentials of the current profile on the current daemon. */
  protected get session(): Session {
    if (!this.sessionCache) {
      if (!this.globalFlags) throw new Error(`${this.id ?? 'this command'} used its session before parse()`)
      let target
      try {
        const data = this.ctx.paths.data
        target = resolveTarget(this.globalFlags, this.ctx.env, this.ctx.profiles.read(), {
          runningUrl: readLiveState(data)?.url,
          startPort: startPort(data),
        })
      } catch (err) {
        throw new CliError((err as Error).message, undefined, EXIT.usage)
      }
      this.sessionCache = new Session(this.ctx, target, (m) => this.ctx.io.stderr.write(`${m}\n`))
    }
    return this.sessionCache
  }

  override async finally(err: Error | undefined): Promise<void> {
    this.offInterrupt?.()
    await this.sessionCache?.close()
    await super.finally(err)
  }
}
