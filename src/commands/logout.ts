import { ApiCommand } from '../cli/base-command.js'
import { LedgerApiError, LedgerClient } from '../client/index.js'

export interface LogoutResult {
  logged_out: boolean
  revoked_on_server: boolean
  url: string
  profile: string
}

export default class Logout extends ApiCommand {
  static override summary = 'Log out: revoke the session on the daemon and remove the stored credential.'
  static override description =
    'The local credential is removed even when the daemon cannot be reached (you are told the server was not told). ' +
    'API keys stored for projects stay until you revoke them with `ledger keys revoke`.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --profile staging']

  async run(): Promise<LogoutResult> {
    await this.parse(Logout)
    const { url, profile } = this.target
    const login = await this.session.loadLogin()
    if (!login) {
      this.log(`Not logged in to ${url}.`)
      return { logged_out: false, revoked_on_server: false, url, profile }
    }
    let revoked = false
    const client = new LedgerClient({ baseUrl: url, credential: login.session.access_token, timeoutMs: 5000 })
    try {
      // Logout denylists the access token and ends its refresh family; when the access token
      // has expired already, revoking the refresh token ends the same family.
      await client.logout().catch(async (err) => {
        if (!(err instanceof LedgerApiError && err.status === 401)) throw err
        await client.revokeRefreshToken(login.session.refresh_token)
      })
      revoked = true
    } catch (err) {
      process.stderr.write(
        `Warning: could not revoke the session on ${url} (${(err as Error).message}); removing it locally anyway.\n`,
      )
    } finally {
      await client.close()
    }
    await this.session.clearLogin()
    this.log(`Logged out of ${url} (${login.session.email}).`)
    return { logged_out: true, revoked_on_server: revoked, url, profile }
  }
}
