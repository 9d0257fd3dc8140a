import { Flags } from '@oclif/core'
import { EmailSchema, NewPasswordSchema, RegisterRequestSchema } from '../contract/accounts.js'
import { ApiCommand } from '../cli/base-command.js'
import { CliError, EXIT } from '../cli/errors.js'
import { type LoginResult, loginFlags, rememberLogin } from '../cli/login-flow.js'
import { promptLine, promptSecret, readPasswordFromStdin } from '../cli/prompt.js'
import { parseFlag } from '../cli/validate.js'

export default class Register extends ApiCommand {
  static override summary = 'Create an account on a Ledger daemon and log in to it.'
  static override description =
    'Passwords need 8-64 characters with an uppercase letter, a lowercase letter and a digit. ' +
    'The password is prompted twice with echo off, or read from stdin with --password-stdin.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --email me@example.com --name "Ada Lovelace"',
    'printf %s "$PW" | <%= config.bin %> <%= command.id %> --email ci@example.com --name CI --password-stdin',
  ]

  static override flags = {
    email: loginFlags.email,
    name: Flags.string({ description: 'Your name (prompted when omitted on a terminal).' }),
    'password-stdin': loginFlags['password-stdin'],
  }

  async run(): Promise<LoginResult> {
    const { flags } = await this.parse(Register)
    const email = parseFlag('--email', EmailSchema, flags.email ?? (await promptLine('Email: ')))
    const name = parseFlag('--name', RegisterRequestSchema.shape.name, flags.name ?? (await promptLine('Name: ')))
    let password: string
    if (flags['password-stdin']) {
      password = parseFlag('password', NewPasswordSchema, await readPasswordFromStdin())
    } else {
      password = parseFlag('password', NewPasswordSchema, await promptSecret('Password: '))
      if ((await promptSecret('Password (again): ')) !== password) {
        throw new CliError('the two passwords differ', undefined, EXIT.usage)
      }
    }
    const tokens = await this.anonymousClient().register({ email, password, name })
    const result = await rememberLogin(this.session, tokens)
    this.log(`Registered ${tokens.email} on ${this.target.url} and logged in (session stored in the ${result.credential_store}).`)
    return result
  }
}
