import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { z } from 'zod'
import type {
  Account,
  LoginRequestSchema,
  RefreshResponse,
  RegisterRequestSchema,
  RegisterResponse,
  TokenResponse,
} from '../../contract/accounts.js'
import type { TailEnd } from '../../contract/logs.js'
import { formatTimestamp } from '../../shared/time.js'
import { conflict, notFound, rateLimited, unauthorized, unavailable } from './errors.js'
import type { ServiceContext } from './context.js'
import type { CredentialEvents } from './credential-events.js'
import { type EmailFailures, isRefusal, LoginThrottle } from './login-throttle.js'
import { HasherBusyError, type PasswordCheck, type PasswordHasher } from './passwords.js'
import { ACCESS_TOKEN_TTL_SECONDS, type AccessClaims, type AccessTokens } from './tokens.js'
import { memoryWindows, retryAfterSeconds, type SlidingWindows, type WindowsFactory } from './window-throttle.js'

const INVALID_LOGIN = 'Invalid email or password'
const INVALID_REFRESH = 'Invalid or expired refresh token'
export const REFRESH_TOKEN_TTL_MS = 30 * 86_400_000

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

/** The password hasher's queue is full: 503 at once, with when to come back. */
function busy(err: HasherBusyError) {
  return unavailable(`The daemon is busy checking passwords; try again in ${err.retryAfter} s`, err.retryAfter)
}

/** Registration, login, sessions (rotating refresh tokens) and the access-token check. */
export class AccountService {
  private readonly throttle: LoginThrottle
  private readonly registrations: SlidingWindows

  constructor(
    private readonly ctx: ServiceContext,
    private readonly passwords: PasswordHasher,
    private readonly tokens: AccessTokens,
    /** Told of every session that ends (open live tails listen). */
    private readonly credentials?: CredentialEvents,
    /** Where the login and registration throttles count: this process, or a Redis every daemon shares. */
    windows: WindowsFactory = memoryWindows,
    /** The per-email login lock's store (memory by default). */
    emailFailures?: EmailFailures,
  ) {
    this.throttle = new LoginThrottle(ctx.config.loginFailuresPerAddress, windows, emailFailures)
    this.registrations = windows('registrations-per-address', [{ max: ctx.config.registrationsPerHour, windowMs: 3_600_000 }])
  }

  /** `address`: the client's (clientAddress), for the per-address registration throttle. */
  async register(input: z.output<typeof RegisterRequestSchema>, address: string): Promise<RegisterResponse> {
    const store = this.ctx.storage
    if (await store.accounts.findByEmail(input.email)) throw conflict('Email already registered')
    const slot = await this.registrations.take(address, this.ctx.now())
    if (!slot) {
      const wait = retryAfterSeconds(await this.registrations.waitMs(address, this.ctx.now()))
      throw rateLimited(
        `Too many registrations from this address (at most ${this.ctx.config.registrationsPerHour} an hour); try again in ${wait} s`,
        wait,
      )
    }
    let passwordHash: string
    try {
      passwordHash = await this.passwords.hash(input.password)
    } catch (err) {
      await this.registrations.refund(slot)
      if (err instanceof HasherBusyError) throw busy(err)
      throw err
    }
    let account: Awaited<ReturnType<typeof store.accounts.create>>
    try {
      account = await store.accounts.create({ email: input.email, name: input.name, passwordHash, now: this.ctx.now() })
    } catch (err) {
      await this.registrations.refund(slot)
      throw err
    }
    if (account === 'exists') {
      // Two registrations of one email racing past the check above.
      await this.registrations.refund(slot)
      throw conflict('Email already registered')
    }
    const session = await this.startSession(account.id)
    return {
      ...session,
      token_type: 'bearer',
      account_id: account.id,
      email: account.email,
      name: account.name,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      message: 'Account created successfully',
    }
  }

  /**
   * Checks a password. The attempt takes its throttle slots before the hash (see
   * LoginThrottle), so concurrent guesses are counted while they run.
   */
  async login(input: z.output<typeof LoginRequestSchema>, address: string): Promise<TokenResponse> {
    const attempt = await this.throttle.begin(input.email, address, this.ctx.now())
    if (isRefusal(attempt)) {
      const wait = attempt.retryAfter
      const detail =
        attempt.reason === 'email'
          ? `Too many failed logins for this account; try again in ${wait} s`
          : `Too many failed logins from this address; try again in ${wait} s`
      throw rateLimited(detail, wait)
    }
    let account: Awaited<ReturnType<typeof this.ctx.storage.accounts.findByEmail>>
    try {
      account = await this.ctx.storage.accounts.findByEmail(input.email)
    } catch (err) {
      await attempt.cancel()
      throw err
    }
    let check: PasswordCheck
    try {
      if (account) check = await this.passwords.verify(input.password, account.password_hash)
      else {
        // The same work and the same answer as a wrong password: no account enumeration.
        await this.passwords.verifyAgainstDummy(input.password)
        check = { ok: false, needsRehash: false }
      }
    } catch (err) {
      await attempt.cancel()
      if (err instanceof HasherBusyError) throw busy(err)
      throw err
    }
    if (!account || !check.ok) {
      await attempt.failed(this.ctx.now())
      throw unauthorized(INVALID_LOGIN)
    }
    await attempt.succeeded()
    if (check.needsRehash) {
      // Upgraded at a later login if the hasher is busy now.
      try {
        await this.ctx.storage.accounts.setPasswordHash(account.id, await this.passwords.hash(input.password))
      } catch (err) {
        if (!(err instanceof HasherBusyError)) throw err
      }
    }
    const session = await this.startSession(account.id)
    return {
      ...session,
      token_type: 'bearer',
      account_id: account.id,
      email: account.email,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
    }
  }

  /**
   * Rotates a refresh token: the old one is spent, a new pair is issued in the same family.
   * A spent token used again means it was copied: the whole family is revoked, including the
   * newer tokens issued from it.
   */
  async refresh(refreshToken: string): Promise<RefreshResponse> {
    const now = this.ctx.now()
    const hash = hashToken(refreshToken)
    const sessions = this.ctx.storage.sessions
    const row = await sessions.findRefreshToken(hash)
    if (!row || row.family_revoked_at !== null || row.expires_at <= now) throw unauthorized(INVALID_REFRESH)
    if (row.used_at !== null || !(await sessions.spendRefreshToken(hash, now))) {
      await sessions.revokeFamily(row.family_id, now, 'refresh token reused')
      await this.sessionEnded(row.family_id, 'refresh_token_reused', 'A refresh token of this session was used twice; the session was revoked')
      throw unauthorized('Refresh token was already used; this session has been revoked')
    }
    const refresh = await this.issueRefreshToken(row.family_id, now)
    const { token } = await this.tokens.issue(row.account_id, row.family_id)
    return { access_token: token, refresh_token: refresh, token_type: 'bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS }
  }

  /** Ends the session of a refresh token. Unknown tokens are not an error (RFC 7009). */
  async revoke(refreshToken: string): Promise<void> {
    const row = await this.ctx.storage.sessions.findRefreshToken(hashToken(refreshToken))
    if (row) {
      await this.ctx.storage.sessions.revokeFamily(row.family_id, this.ctx.now(), 'revoked')
      await this.sessionEnded(row.family_id, 'session_revoked', 'The session of this access token was revoked')
    }
  }

  /** The claims of a live access token (valid, not logged out, session not revoked), else null. */
  async authenticate(token: string): Promise<AccessClaims | null> {
    const claims = await this.tokens.verify(token)
    const store = this.ctx.storage
    if (!claims || (await store.sessions.isAccessTokenRevoked(claims.jti))) return null
    if (await store.sessions.isFamilyRevoked(claims.familyId)) return null
    if (!(await store.accounts.findById(claims.accountId))) return null
    return claims
  }

  /** Logout: the access token is denylisted and its whole session revoked. */
  async logout(claims: AccessClaims): Promise<void> {
    const now = this.ctx.now()
    await this.ctx.storage.sessions.revokeAccessToken(claims.jti, claims.exp * 1000)
    await this.ctx.storage.sessions.revokeFamily(claims.familyId, now, 'logout')
    await this.sessionEnded(claims.familyId, 'logged_out', 'The session of this access token was logged out')
  }

  /** Tells this daemon's open tails and requests at once, then the other daemons. */
  private async sessionEnded(familyId: string, reason: TailEnd['reason'], detail: string): Promise<void> {
    const end = { reason, detail }
    this.credentials?.emit({ kind: 'session', familyId, end })
    await this.ctx.storage.bus.publish({ kind: 'session', familyId, end })
  }

  async me(accountId: number): Promise<Account> {
    const a = await this.ctx.storage.accounts.findById(accountId)
    if (!a) throw notFound('Account not found')
    const projects = await this.ctx.storage.projects.list(a.id)
    return {
      account_id: a.id,
      email: a.email,
      name: a.name,
      created_at: formatTimestamp(a.created_at),
      projects: projects.map((p) => ({ project_id: p.id, name: p.name, slug: p.slug })),
    }
  }

  /** A new session (refresh-token family) with its first token pair. */
  async startSession(accountId: number): Promise<{ access_token: string; refresh_token: string }> {
    const now = this.ctx.now()
    const familyId = randomUUID()
    await this.ctx.storage.sessions.startFamily(familyId, accountId, now)
    const refresh = await this.issueRefreshToken(familyId, now)
    const { token } = await this.tokens.issue(accountId, familyId)
    return { access_token: token, refresh_token: refresh }
  }

  private async issueRefreshToken(familyId: string, now: number): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    await this.ctx.storage.sessions.addRefreshToken(hashToken(token), familyId, now, now + REFRESH_TOKEN_TTL_MS)
    return token
  }
}
