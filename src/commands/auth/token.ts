import { ApiCommand } from '../../cli/base-command.js'

export interface TokenResult {
  access_token: string
}

export default class AuthToken extends ApiCommand {
  static override summary = 'Print the access token of the current login (refreshed first if it has expired).'
  static override description = 'For scripts: `export LEDGER_TOKEN=$(ledger auth token)`. The token is a secret.'
  static override examples = ['<%= config.bin %> <%= command.id %>', 'curl -H "authorization: Bearer $(<%= config.bin %> <%= command.id %>)" …']

  async run(): Promise<TokenResult> {
    await this.parse(AuthToken)
    const client = await this.accountClient()
    // A token the daemon refuses is refreshed here (the client retries /me once with a new one).
    await client.me()
    const token = client.credential ?? ''
    this.log(token)
    return { access_token: token }
  }
}
