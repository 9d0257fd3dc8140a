import { type Account, EmailSchema, NewPasswordSchema, RegisterRequestSchema } from '../../contract/accounts.js'
import { LedgerApiError, LedgerConnectionError } from '../../client/index.js'
import type { LoginResult, Session } from '../auth/session.js'
import type { Target } from '../auth/target.js'
import { parseFlag } from '../flags/validate.js'
import { promptLine, promptSecret, readPasswordFromStdin } from '../output/prompt.js'
import type { IoStreams } from '../runtime/context.js'
import { CliError, EXIT } from '../runtime/errors.js'

export type { LoginResult } from '../auth/session.js'

/** Where the password comes from: stdin (`--password-stdin`) or a prompt with echo off. */
async function password(io: IoStreams, fromStdin: boolean, question = 'Password: '): Promise<string> {
  return fromStdin ? readPasswordFromStdin(io) : promptSecret(io, question)
}

/** Logs in (email prompted when not given) and keeps the session in the credential store. */
export async function login(
  session: Session,
  io: IoStreams,
  input: { email?: string; passwordStdin: boolean },
): Promise<LoginResult> {
  const email = parseFlag('--email', EmailSchema, input.email ?? (await promptLine(io, 'Email: ')))
  const secret = await password(io, input.passwordStdin)
  const tokens = await session
    .anonymousClient()
    .login({ email, password: secret })
    .catch((err: unknown) => {
      // Here a 401 is a wrong password, not a missing login: no "log in" hint.
      if (err instanceof LedgerApiError && err.status === 401) throw new CliError(err.detail, undefined, EXIT.auth)
      throw err
    })
  return session.storeLogin(tokens)
}

/**
 * Creates an account and logs in to it. Everything is checked with the API's rules before the
 * request; a password typed at the terminal is asked twice.
 */
export async function register(
  session: Session,
  io: IoStreams,
  input: { email?: string; name?: string; passwordStdin: boolean },
): Promise<LoginResult> {
  const email = parseFlag('--email', EmailSchema, input.email ?? (await promptLine(io, 'Email: ')))
  const name = parseFlag('--name', RegisterRequestSchema.shape.name, input.name ?? (await promptLine(io, 'Name: ')))
  const secret = parseFlag('password', NewPasswordSchema, await password(io, input.passwordStdin))
  if (!input.passwordStdin && (await promptSecret(io, 'Password (again): ')) !== secret) {
    throw new CliError('the two passwords differ', undefined, EXIT.usage)
  }
  const tokens = await session.anonymousClient().register({ email, password: secret, name })
  return session.storeLogin(tokens)
}

export interface LogoutResult {
  logged_out: boolean
  revoked_on_server: boolean
  url: string
  profile: string
}

/**
 * Revokes the session on the daemon and removes it locally; the local copy goes even when the
 * daemon cannot be reached (`revoked_on_server: false`, and the user is told why).
 */
export async function logout(session: Session): Promise<{ result: LogoutResult; email: string | null }> {
  const { url, profile } = session.target
  const stored = await session.loadLogin()
  if (!stored) return { result: { logged_out: false, revoked_on_server: false, url, profile }, email: null }
  let revoked = false
  const client = session.anonymousClient(5000).withCredential(stored.login.access_token)
  try {
    // Logout denylists the access token and ends its refresh family; when the access token
    // has expired already, revoking the refresh token ends the same family.
    await client.logout().catch(async (err) => {
      if (!(err instanceof LedgerApiError && err.status === 401)) throw err
      await client.revokeRefreshToken(stored.login.refresh_token)
    })
    revoked = true
  } catch (err) {
    session.tell(`Warning: could not revoke the session on ${url} (${(err as Error).message}); removing it locally anyway.`)
  }
  await session.clearLogin()
  return { result: { logged_out: true, revoked_on_server: revoked, url, profile }, email: stored.login.email }
}

export interface AuthStatusResult {
  url: string
  url_source: Target['urlSource']
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

/** Who the profile is logged in as, where the credential is, and whether the daemon takes it. */
export async function authStatus(session: Session): Promise<AuthStatusResult> {
  const { url, urlSource, profile } = session.target
  const override = session.envOverride
  const stored = override ? null : await session.loadLogin()
  const result: AuthStatusResult = {
    url,
    url_source: urlSource,
    profile,
    logged_in: override !== null || stored !== null,
    email: stored?.login.email ?? null,
    account_id: stored?.login.account_id ?? null,
    credential_store: override ?? stored?.where ?? null,
    credential_file: stored?.where === 'file' ? session.store.file : null,
    valid: null,
    daemon_reachable: false,
  }
  if (result.logged_in && override !== 'LEDGER_API_KEY') {
    try {
      const me = await (await session.accountClient()).me()
      Object.assign(result, { valid: true, daemon_reachable: true, email: me.email, account_id: me.account_id })
    } catch (err) {
      if (err instanceof LedgerConnectionError) result.daemon_reachable = false
      else if (err instanceof CliError || (err instanceof LedgerApiError && err.status === 401)) {
        Object.assign(result, { valid: false, daemon_reachable: true })
      } else throw err
    }
  } else {
    result.daemon_reachable = await session.anonymousClient(3000).health().then(
      () => true,
      () => false,
    )
  }
  return result
}

/** `auth status`'s exit code: 4 without a valid login, 1 when the daemon cannot be reached. */
export function authStatusExitCode(result: AuthStatusResult): number {
  if (!result.logged_in || result.valid === false) return EXIT.auth
  if (!result.daemon_reachable) return EXIT.error
  return EXIT.ok
}

/** The access token of the login, refreshed first when the daemon refuses it. */
export async function accessToken(session: Session): Promise<string> {
  const client = await session.accountClient()
  // A token the daemon refuses is refreshed here (the client retries /me once with a new one).
  await client.me()
  return client.credential ?? ''
}

export async function whoami(session: Session): Promise<Account> {
  return (await session.accountClient()).me()
}
