import { logout, type LogoutResult } from '../cli/actions/auth.js'
import { ApiCommand } from '../cli/runtime/base-command.js'

export default class Logout extends ApiCommand {
  static override summary = 'Log out: revoke the session on the daemon and remove the stored credential.'
  static override description =
    'The local credential is removed even when the daemon cannot be reached (you are told the server was not told). ' +
    'API keys stored for projects stay until you revoke them with `ledger keys revoke`.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --profile staging']

  async run(): Promise<LogoutResult> {
    await this.parse(Logout)
    const { result, email } = await logout(this.session)
    this.log(result.logged_out ? `Logged out of ${result.url} (${email}).` : `Not logged in to ${result.url}.`)
    return result
  }
}
