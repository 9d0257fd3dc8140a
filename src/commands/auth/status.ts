import { ApiCommand } from '../../cli/base-command.js'
import { CliError, EXIT } from '../../cli/errors.js'
import { renderFields } from '../../cli/output.js'
import { LedgerApiError, LedgerConnectionError } from '../../client/index.js'

export interface AuthStatusResult {
  url: string
  url_source: 'flag' | 'env' | 'profile' | 'default'
  profile: string
  logged_in: boolean
  email: string | null
  account_id: number | null
  /** keychain, file, or the environment variable that overrides stored credentials. */
  credential_store: 'keychain' | 'file' | 'LEDGER_TOKEN' | 'LEDGER_API_KEY' | null
  credential_file: string | null
  /** Whether the daemon accepted the credential just now (null: not asked or not reachable). */
  valid: boolean | null
  daemon_reachable: boolean
}

export default class AuthStatus extends ApiCommand {
  static override summary = 'Show who you are logged in as, on which daemon, and where the credential is kept.'
  static override description = 'Exits 0 when logged in with a credential the daemon accepts, 4 when not logged in, 1 when the daemon cannot be reached.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<AuthStatusResult> {
    await this.parse(AuthStatus)
    const { url, urlSource, profile } = this.target
    const override = this.session.envOverride
    const login = override ? null : await this.session.loadLogin()
    const result: AuthStatusResult = {
      url,
      url_source: urlSource,
      profile,
      logged_in: override !== null || login !== null,
      email: login?.session.email ?? null,
      account_id: login?.session.account_id ?? null,
      credential_store: override ?? login?.where ?? null,
      credential_file: login?.where === 'file' ? this.session.store.file : null,
      valid: null,
      daemon_reachable: false,
    }
    if (result.logged_in && override !== 'LEDGER_API_KEY') {
      try {
        const me = await (await this.accountClient()).me()
        Object.assign(result, { valid: true, daemon_reachable: true, email: me.email, account_id: me.account_id })
      } catch (err) {
        if (err instanceof LedgerConnectionError) result.daemon_reachable = false
        else if (err instanceof CliError || (err instanceof LedgerApiError && err.status === 401)) {
          Object.assign(result, { valid: false, daemon_reachable: true })
        } else throw err
      }
    } else {
      result.daemon_reachable = await this.anonymousClient(3000).health().then(() => true, () => false)
    }
    const where =
      result.credential_store === 'file'
        ? `file ${result.credential_file} (no OS keychain was available when it was stored)`
        : result.credential_store === 'keychain'
          ? 'OS keychain (service "ledger")'
          : result.credential_store
            ? `environment variable ${result.credential_store}`
            : '-'
    this.log(
      renderFields([
        ['daemon', `${url} (${urlSource === 'default' ? 'default' : `from ${urlSource === 'flag' ? '--url' : urlSource === 'env' ? 'LEDGER_URL' : `profile ${profile}`}`})${result.daemon_reachable ? '' : ' — not reachable'}`],
        ['profile', profile],
        ['logged in', result.logged_in ? (result.email ?? 'yes') : 'no'],
        ['credential', where],
        ['valid', result.valid === null ? 'unknown' : result.valid ? 'yes' : 'no (log in again)'],
      ]),
    )
    if (!result.logged_in || result.valid === false) process.exitCode = EXIT.auth
    else if (!result.daemon_reachable) process.exitCode = EXIT.error
    return result
  }
}
