import type { ChildProcess } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import type { ClientOptions, LedgerClient } from '../../client/index.js'
import type { LedgerPaths } from '../../shared/paths.js'
import type { CredentialStore } from '../auth/credential-store.js'
import type { ProfileFile } from '../auth/profiles.js'

/** The environment a command sees: the process's, read once (or a test's). */
export type Env = Readonly<Record<string, string | undefined>>

/** The signals a command may handle itself: Ctrl-C, and `kill`'s default. */
export type StopSignal = 'SIGINT' | 'SIGTERM'

/**
 * The standard streams and what is behind them (after the GitHub CLI's `IOStreams`): stdout
 * carries the result only, stderr diagnostics, progress and errors.
 */
export interface IoStreams {
  /** Read only by the commands that take input (opened on first use in the real process). */
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable
  readonly stdinIsTTY: boolean
  readonly stdoutIsTTY: boolean
  readonly stderrIsTTY: boolean
  /** Columns of the terminal behind stdout; undefined when stdout is not one. */
  columns(): number | undefined
  /** Rows of the terminal behind stdout; undefined when stdout is not one. */
  rows(): number | undefined
  /** Whether output may be coloured (`NO_COLOR` unset). */
  readonly colour: boolean
  /** Raw mode on the terminal behind stdin (keys one by one, not echoed); for prompts. */
  setRawMode(on: boolean): void
}

/** Signal handlers, added and removed (the real process's, or a test's, which it emits itself). */
export interface Signals {
  /** Calls `handler` on every `signal` until the returned function is called. */
  on(signal: StopSignal, handler: (signal: StopSignal) => void): () => void
}

/**
 * Everything a command may know of the world it runs in, built once from the real process
 * (runtime/process-context.ts, the only code of the CLI that reads `process.env` or the
 * standard streams) and injected instead by the tests, which run commands inside vitest.
 * Modelled on the GitHub CLI's `cmdutil.Factory`.
 */
export interface CliContext {
  readonly env: Env
  /** Ledger's data and config dirs (LEDGER_HOME, else the platform's). */
  readonly paths: LedgerPaths
  /** `config.json`: the named profiles and their daemon URLs. */
  readonly profiles: ProfileFile
  readonly io: IoStreams
  /** Where logins and project keys are kept. */
  readonly credentials: CredentialStore
  readonly signals: Signals
  /** A client of the daemon API (every client a command makes comes from here). */
  newClient(options: ClientOptions): LedgerClient
  /**
   * Starts a pager: `command` run by the shell with `env`, its stdin a pipe the command writes
   * to, its stdout and stderr the terminal's (the real process's own).
   */
  startPager(command: string, env: Record<string, string | undefined>): ChildProcess
  /** Epoch ms: the CLI's clock (token expiry, time flags). */
  now(): number
  /**
   * Ends the command at once with `code`: Ctrl-C while a command waits on a request, with
   * nothing of its own to finish. In the real process this exits; a test's run ends with it.
   */
  terminate(code: number): void
  /** Removes variables from the process's environment, for modules that read it themselves (Ink reads CI). */
  unsetEnv(names: readonly string[]): void
  /** Called once the command is over. */
  close(): Promise<void>
}
