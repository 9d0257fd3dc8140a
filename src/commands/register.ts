import { Flags } from '@oclif/core'
import { type LoginResult, register } from '../cli/actions/auth.js'
import { loginFlags } from '../cli/flags/login.js'
import { ApiCommand } from '../cli/runtime/base-command.js'

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
    const result = await register(this.session, this.ctx.io, {
      email: flags.email,
      name: flags.name,
      passwordStdin: flags['password-stdin'],
    })
    this.log(`Registered ${result.email} on ${result.url} and logged in (session stored in the ${result.credential_store}).`)
    return result
  }
}
