import { accessToken } from '../../cli/actions/auth.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'

export interface TokenResult {
  access_token: string
}

export default class AuthToken extends ApiCommand {
  static override summary = 'Print the access token of the current login (refreshed first if it has expired).'
  static override description = 'For scripts: `export LEDGER_TOKEN=$(ledger auth token)`. The token is a secret.'
  static override examples = ['<%= config.bin %> <%= command.id %>', 'curl -H "authorization: Bearer $(<%= config.bin %> <%= command.id %>)" …']

  async run(): Promise<TokenResult> {
    await this.parse(AuthToken)
    const token = await accessToken(this.session)
    this.log(token)
    return { access_token: token }
  }
}
