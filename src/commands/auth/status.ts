import { type AuthStatusResult, authStatus, authStatusExitCode } from '../../cli/actions/auth.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import { renderFields } from '../../cli/output/table.js'

export default class AuthStatus extends ApiCommand {
  static override summary = 'Show who you are logged in as, on which daemon, and where the credential is kept.'
  static override description = 'Exits 0 when logged in with a credential the daemon accepts, 4 when not logged in, 1 when the daemon cannot be reached.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<AuthStatusResult> {
    await this.parse(AuthStatus)
    const result = await authStatus(this.session)
    const { url, url_source: source, profile } = result
    const where =
      result.credential_store === 'file'
        ? `file ${result.credential_file} (no OS keychain was available when it was stored)`
        : result.credential_store === 'keychain'
          ? 'OS keychain (service "ledger")'
          : result.credential_store
            ? `environment variable ${result.credential_store}`
            : '-'
    const from = source === 'default' ? 'default' : `from ${source === 'flag' ? '--url' : source === 'env' ? 'LEDGER_URL' : `profile ${profile}`}`
    this.log(
      renderFields([
        ['daemon', `${url} (${from})${result.daemon_reachable ? '' : ' — not reachable'}`],
        ['profile', profile],
        ['logged in', result.logged_in ? (result.email ?? 'yes') : 'no'],
        ['credential', where],
        ['valid', result.valid === null ? 'unknown' : result.valid ? 'yes' : 'no (log in again)'],
      ]),
    )
    this.setExitCode(authStatusExitCode(result))
    return result
  }
}
