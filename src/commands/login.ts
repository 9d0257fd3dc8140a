import { login, type LoginResult } from '../cli/actions/auth.js'
import { loginFlags } from '../cli/flags/login.js'
import { ApiCommand } from '../cli/runtime/base-command.js'

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
    const result = await login(this.session, this.ctx.io, { email: flags.email, passwordStdin: flags['password-stdin'] })
    this.log(`Logged in to ${result.url} as ${result.email} (session stored in the ${result.credential_store}).`)
    return result
  }
}
