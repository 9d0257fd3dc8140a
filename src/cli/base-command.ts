import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import chalk from 'chalk'
import { LedgerApiError, LedgerConnectionError } from '../client/index.js'
import { CliError, EXIT } from './errors.js'

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
    await super.init()
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
