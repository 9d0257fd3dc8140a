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

/**
 * Logs in and keeps the session in the credential store. The daemon is asked first, so nobody
 * types a password for a daemon that is not there. The email: `--email`, else the profile's
 * last one (offered as the default on a terminal), else prompted.
 */
export async function login(
  session: Session,
  io: IoStreams,
  input: { email?: string; passwordStdin: boolean },
): Promise<LoginResult> {
  const given = input.email === undefined ? undefined : parseFlag('--email', EmailSchema, input.email)
  const known = session.profileEmail()
  if (!input.passwordStdin || (given === undefined && known === undefined)) await beforePrompting(session, io)
  let typed: string | undefined = given
  if (typed === undefined && known !== undefined) {
    typed = io.stdinIsTTY && !input.passwordStdin ? (await promptLine(io, `Email [${known}]: `)) || known : known
  }
  const email = parseFlag('--email', EmailSchema, typed ?? (await promptLine(io, 'Email: ')))
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
  const givenEmail = input.email === undefined ? undefined : parseFlag('--email', EmailSchema, input.email)
  const givenName = input.name === undefined ? undefined : parseFlag('--name', RegisterRequestSchema.shape.name, input.name)
  if (!input.passwordStdin || givenEmail === undefined || givenName === undefined) await beforePrompting(session, io)
  const email = givenEmail ?? parseFlag('--email', EmailSchema, await promptLine(io, 'Email: '))
  const name = givenName ?? parseFlag('--name', RegisterRequestSchema.shape.name, await promptLine(io, 'Name: '))
  const secret = input.passwordStdin
    ? parseFlag('password', NewPasswordSchema, await readPasswordFromStdin(io))
    : await newPassword(io)
  if (!input.passwordStdin && (await promptSecret(io, 'Password (again): ')) !== secret) {
    throw new CliError('the two passwords differ', undefined, EXIT.usage)
  }
  const tokens = await session.anonymousClient().register({ email, password: secret, name })
  return session.storeLogin(tokens)
}

/**
 * Before the first question: nothing can be asked without a terminal (a usage error, before any
 * request), and nobody types a password for a daemon that is not there.
 */
async function beforePrompting(session: Session, io: IoStreams): Promise<void> {
  if (!io.stdinIsTTY) throw new CliError('cannot prompt for input: stdin is not a terminal', 'Pass it as a flag, the password with --password-stdin.', EXIT.usage)
  await session.assertReachable()
}

/** Tries a terminal gets at a password the API accepts before register gives up. */
const PASSWORD_TRIES = 3

/**
 * A new password typed at the terminal: one the API would refuse (too short, no digit, …) is
 * asked for again, saying why, instead of ending the command.
 */
async function newPassword(io: IoStreams): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const typed = await promptSecret(io, 'Password: ')
    const checked = NewPasswordSchema.safeParse(typed)
    if (checked.success) return checked.data
    const why = parseFlagMessage(typed)
    if (attempt >= PASSWORD_TRIES) throw new CliError(why, undefined, EXIT.usage)
    io.stderr.write(`${why}; try again (8-64 characters with an uppercase letter, a lowercase letter and a digit).\n`)
  }
}

/** What the API's rule says of a password (the usage error parseFlag would throw). */
function parseFlagMessage(typed: string): string {
  try {
    parseFlag('password', NewPasswordSchema, typed)
    return 'password is invalid'
  } catch (err) {
    return (err as Error).message
  }
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
