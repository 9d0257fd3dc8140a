import type { z } from 'zod'
import type {
  Account,
  LoginRequestSchema,
  RegisterRequestSchema,
  RegisterResponse,
  TokenResponse,
} from '../../contract/accounts.js'
import { formatTimestamp } from '../../shared/time.js'
import { findAccountByEmail, findAccountById, insertAccount, updatePasswordHash } from '../db/accounts.js'
import { insertRevokedToken, isTokenRevoked } from '../db/tokens.js'
import { conflict, notFound, unauthorized } from '../errors.js'
import type { ServiceContext } from './context.js'
import type { PasswordHasher } from './passwords.js'
import { ACCESS_TOKEN_TTL_SECONDS, type AccessClaims, type AccessTokens } from './tokens.js'

const INVALID_LOGIN = 'Invalid email or password'

/** Registration, login, logout and the access-token check. */
export class AccountService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly passwords: PasswordHasher,
    private readonly tokens: AccessTokens,
  ) {}

  async register(input: z.output<typeof RegisterRequestSchema>): Promise<RegisterResponse> {
    if (findAccountByEmail(this.ctx.db, input.email)) throw conflict('Email already registered')
    const passwordHash = await this.passwords.hash(input.password)
    let account: ReturnType<typeof insertAccount>
    try {
      account = insertAccount(this.ctx.db, {
        email: input.email,
        name: input.name,
        passwordHash,
        now: this.ctx.now(),
      })
    } catch (err) {
      // Two registrations of one email racing past the check above.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw conflict('Email already registered')
      throw err
    }
    const { token } = await this.tokens.issue(account.id)
    return {
      access_token: token,
      token_type: 'bearer',
      account_id: account.id,
      email: account.email,
      name: account.name,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      message: 'Account created successfully',
    }
  }

  async login(input: z.output<typeof LoginRequestSchema>): Promise<TokenResponse> {
    const account = findAccountByEmail(this.ctx.db, input.email)
    if (!account) {
      await this.passwords.verifyAgainstDummy(input.password)
      throw unauthorized(INVALID_LOGIN)
    }
    const check = await this.passwords.verify(input.password, account.password_hash)
    if (!check.ok) throw unauthorized(INVALID_LOGIN)
    if (check.needsRehash)
      updatePasswordHash(this.ctx.db, account.id, await this.passwords.hash(input.password))
    const { token } = await this.tokens.issue(account.id)
    return {
      access_token: token,
      token_type: 'bearer',
      account_id: account.id,
      email: account.email,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
    }
  }

  /** The claims of a live access token (valid and not logged out), else null. */
  async authenticate(token: string): Promise<AccessClaims | null> {
    const claims = await this.tokens.verify(token)
    if (!claims || isTokenRevoked(this.ctx.db, claims.jti)) return null
    if (!findAccountById(this.ctx.db, claims.accountId)) return null
    return claims
  }

  logout(claims: AccessClaims): void {
    insertRevokedToken(this.ctx.db, claims.jti, claims.exp * 1000)
  }

  me(accountId: number): Account {
    const a = findAccountById(this.ctx.db, accountId)
    if (!a) throw notFound('Account not found')
    return { account_id: a.id, email: a.email, name: a.name, created_at: formatTimestamp(a.created_at) }
  }
}
