import { EmailSchema } from '../contract/accounts.js'
import { ApiCommand } from '../cli/base-command.js'
import { CliError, EXIT } from '../cli/errors.js'
import { LedgerApiError } from '../client/index.js'
import { parseFlag } from '../cli/validate.js'
import { promptLine, promptSecret, readPasswordFromStdin } from '../cli/prompt.js'
import { type LoginResult, loginFlags, rememberLogin } from '../cli/login-flow.js'

export default class Login extends ApiCommand {
  static override summary = 'Log in to a Ledger daemon and keep the session in the OS keychain.'
  static override description =
    'The password is prompted with echo off, or read from stdin with --password-stdin (one trailing newline stripped). ' +
    'The session is refreshed automatically until you run `ledger logout`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --email me@example.com',
    'printf %s "$LEDGER_PASSWORD" | <%= config.bin %> <%= command.id %> --email ci@example.com --password-stdin',
    '<%= config.bin %> <%= command.id %> --profile staging --url http://ledger.internal:8000 --email me@example.com',
  ]

  static override flags = loginFlags

  async run(): Promise<LoginResult> {
    const { flags } = await this.parse(Login)
    const email = parseFlag('--email', EmailSchema, flags.email ?? (await promptLine('Email: ')))
    const password = flags['password-stdin'] ? await readPasswordFromStdin() : await promptSecret('Password: ')
    const tokens = await this.anonymousClient()
      .login({ email, password })
      .catch((err: unknown) => {
        // Here a 401 is a wrong password, not a missing login: no "log in" hint.
        if (err instanceof LedgerApiError && err.status === 401) throw new CliError(err.detail, undefined, EXIT.auth)
        throw err
      })
    const result = await rememberLogin(this.session, tokens)
    this.log(`Logged in to ${this.target.url} as ${tokens.email} (session stored in the ${result.credential_store}).`)
    return result
  }
}
