import type { Account } from '../contract/accounts.js'
import { whoami } from '../cli/actions/auth.js'
import { ApiCommand } from '../cli/runtime/base-command.js'
import { renderFields } from '../cli/output/table.js'

export default class Whoami extends ApiCommand {
  static override summary = 'Show the account you are logged in as.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<Account> {
    await this.parse(Whoami)
    const me = await whoami(this.session)
    this.log(
      renderFields([
        ['email', me.email],
        ['name', me.name],
        ['account', me.account_id],
        ['daemon', this.session.target.url],
        ['projects', me.projects.map((p) => p.slug).join(', ')],
      ]),
    )
    return me
  }
}
