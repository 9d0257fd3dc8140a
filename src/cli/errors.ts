/** Exit codes of the CLI (documented in the README). */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  auth: 4,
  interrupted: 130,
} as const

/** An expected failure: one line for the user, an optional hint, an exit code. No stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message)
    this.name = 'CliError'
  }
}
