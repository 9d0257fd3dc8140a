import { LedgerApiError, LedgerConnectionError } from '../../client/index.js'

/** Exit codes of the CLI (documented in the README). */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  auth: 4,
  interrupted: 130,
} as const

export interface CliErrorOptions {
  /**
   * The command's stdout is a stream of records (`tail -f --json`): the error is told on stderr
   * as text even with `--json`, so stdout keeps carrying records only.
   */
  streaming?: boolean
  cause?: unknown
}

/** An expected failure: one line for the user, an optional hint, an exit code. No stack. */
export class CliError extends Error {
  readonly streaming: boolean

  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT.error,
    options: CliErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CliError'
    this.streaming = options.streaming ?? false
  }
}

/**
 * The command line itself is wrong (an unknown flag, a bad value): exit 2. Every error thrown
 * while oclif parses the argv becomes one (see BaseCommand.parse), whatever oclif named it.
 */
export class UsageError extends CliError {
  constructor(message: string, cause?: unknown) {
    super(message, 'See --help.', EXIT.usage, { cause })
    this.name = 'UsageError'
  }
}

/** Ctrl-C ended a command that was waiting (a watch, a follow): exit 130, no message. */
export class Interrupted extends CliError {
  constructor() {
    super('', undefined, EXIT.interrupted)
    this.name = 'Interrupted'
  }
}

/** What the user is told about an error: one line, a hint, and the exit code. */
export interface ErrorReport {
  message: string
  hint?: string
  code: number
  /** See CliErrorOptions.streaming. */
  streaming: boolean
}

/**
 * The one classification of every error a command can end with: ours (CliError and its
 * kinds), the client's (the daemon refused, or cannot be reached), or anything else (a bug:
 * its first line, and a pointer to --debug).
 */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof CliError) {
    return { message: err.message, ...(err.hint ? { hint: err.hint } : {}), code: err.exitCode, streaming: err.streaming }
  }
  if (err instanceof LedgerConnectionError) {
    return { message: err.message, hint: 'Is it running? Start it with `ledger daemon start`.', code: EXIT.error, streaming: false }
  }
  if (err instanceof LedgerApiError) {
    if (err.status === 401) return { message: err.detail, hint: 'Log in with `ledger login`.', code: EXIT.auth, streaming: false }
    return { message: err.detail, code: EXIT.error, streaming: false }
  }
  const message = err instanceof Error ? err.message : String(err)
  return {
    message: message.split('\n')[0] || 'unexpected error',
    hint: 'Run again with --debug for details.',
    code: EXIT.error,
    streaming: false,
  }
}

/**
 * oclif's parse errors span lines ("Parsing --port \n\tExpected an integer but received: abc\n
 * See more help with --help"): the first alone does not say what is wrong. One line, the reason
 * kept, oclif's help pointer dropped (the hint says it).
 */
export function parseErrorMessage(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    // oclif's preamble and help pointer say nothing of what is wrong (the hint points at --help).
    .filter((l) => l && !/^See more help with/i.test(l) && !/^The following errors? occurred:?$/i.test(l))
    .map((l) => l.replace(/^Missing required flag:?\s+(?!-)(\S+)/i, 'missing required flag --$1'))
  return lines.join(': ').replace(/:\s*:/g, ':') || message
}
