import { join } from 'node:path'
import type { TokenResponse } from '../../contract/accounts.js'
import { looksLikeApiKey } from '../../contract/api-key-format.js'
import { type ClientOptions, LedgerApiError, type LedgerClient, LedgerConnectionError } from '../../client/index.js'
import type { CliContext } from '../runtime/context.js'
import { CliError, EXIT } from '../runtime/errors.js'
import { credentialEntry, type CredentialStore, type StoreKind } from './credential-store.js'
import { withFileLock } from './file-lock.js'
import { type StoredLogin, StoredLoginSchema } from './stored-login.js'
import { DEFAULT_PROFILE } from './profiles.js'
import type { Target } from './target.js'

/**
 * A key given by the user that cannot be an API key (no `ldg_` prefix) would be sent as an
 * access token, and refused as one: it is refused here as what it was meant to be.
 */
function checkKeyShape(key: string, where: string): string {
  if (looksLikeApiKey(key.trim())) return key.trim()
  throw new CliError(
    `invalid API key in ${where}: a Ledger API key starts with ldg_proj_`,
    `Check ${where} (\`ledger keys create\` prints a new key once).`,
    EXIT.auth,
  )
}

/** Refresh a little before the expiry, so a request never leaves with a token about to die. */
const EXPIRY_MARGIN_MS = 30_000

/** Where an API key came from. */
export type KeySource = 'env' | 'flag' | 'stored' | 'created'

/** A client carrying an API key, and where the key came from (for hints when it is refused). */
export interface KeyAccess {
  client: LedgerClient
  source: KeySource
}

/** What `login` and `register` answer (their `--json`). */
export interface LoginResult {
  account_id: number
  email: string
  url: string
  profile: string
  credential_store: StoreKind
}

/**
 * The credentials of one profile on one daemon: its login (the token pair, refreshed when the
 * access token expires) and the API keys kept per project. `LEDGER_TOKEN` and `LEDGER_API_KEY`
 * override them, for CI: when one is set, nothing stored is read or refreshed. Every client it
 * makes is closed with it.
 */
export class Session {
  readonly store: CredentialStore
  private readonly clients: LedgerClient[] = []

  constructor(
    private readonly ctx: CliContext,
    readonly target: Target,
    /** Tells the user something on stderr (also with --json). */
    private readonly note: (message: string) => void,
  ) {
    this.store = ctx.credentials
  }

  /** The credential store's entry of this profile's login on this daemon. */
  get loginEntry(): string {
    return credentialEntry.login(this.target.url, this.target.profile)
  }

  /** Set when CI passes credentials through the environment (LEDGER_TOKEN wins). */
  get envOverride(): 'LEDGER_TOKEN' | 'LEDGER_API_KEY' | null {
    if (this.hasEnv('LEDGER_TOKEN')) return 'LEDGER_TOKEN'
    if (this.hasEnv('LEDGER_API_KEY')) return 'LEDGER_API_KEY'
    return null
  }

  /** Whether the environment passes this credential. */
  hasEnv(name: 'LEDGER_TOKEN' | 'LEDGER_API_KEY'): boolean {
    return Boolean(this.ctx.env[name])
  }

  /** A client with no credential, for the daemon this session talks to. */
  anonymousClient(timeoutMs?: number): LedgerClient {
    return this.client({ baseUrl: this.target.url, ...(timeoutMs === undefined ? {} : { timeoutMs }) })
  }

  /** The stored login, if any (never when an environment credential is set). */
  async loadLogin(): Promise<{ login: StoredLogin; where: StoreKind } | null> {
    if (this.envOverride) return null
    const found = await this.store.get(this.loginEntry)
    if (!found) return null
    let json: unknown = null
    try {
      json = JSON.parse(found.value)
    } catch {
      return null
    }
    const parsed = StoredLoginSchema.safeParse(json)
    return parsed.success ? { login: parsed.data, where: found.where } : null
  }

  /**
   * After `register` or `login`: the token pair goes to the credential store, and the profile
   * remembers its daemon URL and email (no secret in the config file).
   */
  async storeLogin(tokens: TokenResponse): Promise<LoginResult> {
    const where = await this.saveTokens(tokens)
    const { url, profile } = this.target
    this.ctx.profiles.update(profile, { url, email: tokens.email })
    return { account_id: tokens.account_id, email: tokens.email, url, profile, credential_store: where }
  }

  async clearLogin(): Promise<void> {
    await this.store.delete(this.loginEntry)
  }

  /**
   * A client carrying a valid access token: `LEDGER_TOKEN`, or the stored login, refreshed
   * before it expires and again if the daemon refuses it. Exit code 4 when not logged in.
   */
  async accountClient(): Promise<LedgerClient> {
    const envToken = this.ctx.env['LEDGER_TOKEN']
    if (envToken) return this.client({ baseUrl: this.target.url, credential: envToken })
    if (this.ctx.env['LEDGER_API_KEY']) {
      throw new CliError(
        'this command needs an account login, and LEDGER_API_KEY is an API key',
        'Set LEDGER_TOKEN (see `ledger auth token`) or unset LEDGER_API_KEY and run `ledger login`.',
        EXIT.auth,
      )
    }
    const stored = await this.loadLogin()
    if (!stored) {
      await this.assertReachable()
      throw this.notLoggedIn()
    }
    let token = stored.login.access_token
    if (stored.login.expires_at - EXPIRY_MARGIN_MS <= this.ctx.now()) token = await this.refresh(token)
    return this.client({
      baseUrl: this.target.url,
      credential: token,
      refreshCredential: (rejected) => this.refresh(rejected),
    })
  }

  /**
   * A client carrying an API key: `LEDGER_API_KEY`, else `apiKey` (a flag), else the key
   * stored for `project` on this daemon, else null.
   */
  async keyClient(opts: { project?: string; apiKey?: string }): Promise<KeyAccess | null> {
    const fromEnv = this.ctx.env['LEDGER_API_KEY']
    if (fromEnv) return this.keyAccess(checkKeyShape(fromEnv, 'LEDGER_API_KEY'), 'env')
    if (opts.apiKey) return this.keyAccess(checkKeyShape(opts.apiKey, '--api-key'), 'flag')
    if (!opts.project) {
      throw new CliError('no API key: pass --project SLUG (or --api-key, or set LEDGER_API_KEY)', 'Or set a default project: `ledger config set project SLUG`.', EXIT.usage)
    }
    if (this.ctx.env['LEDGER_TOKEN']) {
      throw new CliError(
        'LEDGER_TOKEN is set, so stored API keys are not used; this command needs an API key',
        'Set LEDGER_API_KEY (or pass --api-key) in CI.',
        EXIT.auth,
      )
    }
    const stored = await this.store.get(this.projectKeyEntry(opts.project.toLowerCase()))
    return stored ? this.keyAccess(stored.value, 'stored') : null
  }

  /** A client carrying `key`, made by this session (closed with it). */
  keyAccess(key: string, source: KeySource): KeyAccess {
    return { client: this.client({ baseUrl: this.target.url, credential: key }), source }
  }

  /** The key stored for a project (by slug or id), if any. */
  async storedProjectKey(project: string): Promise<string | null> {
    return (await this.store.get(this.projectKeyEntry(project)))?.value ?? null
  }

  /** Keeps a project's key under its slug and its id, so either finds it later. */
  async saveProjectKey(project: { slug: string; project_id: number }, key: string): Promise<StoreKind> {
    const where = await this.store.set(this.projectKeyEntry(project.slug), key)
    await this.store.set(this.projectKeyEntry(String(project.project_id)), key)
    return where
  }

  async forgetProjectKey(project: { slug: string; project_id: number }): Promise<void> {
    await this.store.delete(this.projectKeyEntry(project.slug))
    await this.store.delete(this.projectKeyEntry(String(project.project_id)))
  }

  /**
   * Throws the client's LedgerConnectionError when nothing answers at the daemon's URL: a
   * missing credential is only worth reporting (exit 4) once the daemon is known to be there.
   */
  async assertReachable(): Promise<void> {
    const anon = this.ctx.newClient({ baseUrl: this.target.url, timeoutMs: 3000 })
    try {
      await anon.health()
    } catch (err) {
      if (err instanceof LedgerConnectionError) throw err
    } finally {
      await anon.close()
    }
  }

  /** The email this profile last logged in with (config.json), if any. */
  profileEmail(): string | undefined {
    return this.ctx.profiles.read().profiles[this.target.profile]?.email
  }

  /** Tells the user something on stderr. */
  tell(message: string): void {
    this.note(message)
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()))
  }

  private projectKeyEntry(project: string): string {
    return credentialEntry.projectKey(this.target.url, this.target.profile, project)
  }

  private client(options: ClientOptions): LedgerClient {
    const client = this.ctx.newClient(options)
    this.clients.push(client)
    return client
  }

  private saveTokens(tokens: TokenResponse): Promise<StoreKind> {
    const login: StoredLogin = {
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      account_id: tokens.account_id,
      email: tokens.email,
      expires_at: this.ctx.now() + tokens.expires_in * 1000,
    }
    return this.store.set(this.loginEntry, JSON.stringify(login))
  }

  private notLoggedIn(reason?: string): CliError {
    const profile = this.target.profile === DEFAULT_PROFILE ? '' : ` --profile ${this.target.profile}`
    return new CliError(
      reason ?? `not logged in to ${this.target.url}`,
      `Run \`ledger login${profile}\` (or set LEDGER_TOKEN).`,
      EXIT.auth,
    )
  }

  /**
   * A new access token from the refresh token. Refresh tokens are single use and a reused one
   * revokes the whole session, so two CLI processes must not both spend the same one: a lock
   * file serialises them, and whoever comes second finds the token the first one stored.
   */
  private async refresh(rejected: string): Promise<string> {
    return withFileLock(join(this.ctx.paths.config, 'refresh.lock'), async () => {
      const current = await this.loadLogin()
      if (!current) throw this.notLoggedIn()
      const { login } = current
      if (login.access_token !== rejected && login.expires_at - EXPIRY_MARGIN_MS > this.ctx.now()) {
        return login.access_token
      }
      const anon = this.ctx.newClient({ baseUrl: this.target.url })
      try {
        const tokens = await anon.refresh(login.refresh_token)
        await this.saveTokens({ ...tokens, account_id: login.account_id, email: login.email })
        return tokens.access_token
      } catch (err) {
        if (err instanceof LedgerApiError && err.status === 401) {
          await this.clearLogin()
          throw this.notLoggedIn(`your session on ${this.target.url} has expired or was revoked`)
        }
        throw err
      } finally {
        await anon.close()
      }
    })
  }
}
