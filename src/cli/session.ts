import { hostname } from 'node:os'
import { join } from 'node:path'
import type { TokenResponse } from '../contract/accounts.js'
import type { Project } from '../contract/projects.js'
import { LedgerApiError, LedgerClient } from '../client/index.js'
import type { Target } from './config.js'
import {
  accountNames,
  type CredentialStore,
  type StoreKind,
  type StoredSession,
  StoredSessionSchema,
  withFileLock,
} from './credentials.js'
import { CliError, EXIT } from './errors.js'

/** Refresh a little before the expiry, so a request never leaves with a token about to die. */
const EXPIRY_MARGIN_MS = 30_000

export type CredentialSource = 'env' | 'flag' | 'stored' | 'created'

export interface ProjectAccess {
  client: LedgerClient
  /** Where the API key came from. */
  source: CredentialSource
  /** The project's id, parsed from the key (`ldg_proj_<id>_…`). */
  projectId: number | null
}

/** The project id inside an API key, or null when it is not shaped like one. */
export function projectIdOfKey(key: string): number | null {
  const m = /^ldg_proj_([1-9][0-9]*)_/.exec(key)
  return m ? Number(m[1]) : null
}

/**
 * The credentials of one profile on one daemon: the login (token pair, refreshed when the
 * access token expires) and the API keys kept per project. `LEDGER_TOKEN` and `LEDGER_API_KEY`
 * override them, for CI: when one is set, nothing stored is read or refreshed.
 */
export class Session {
  private readonly clients: LedgerClient[] = []

  constructor(
    readonly target: Target,
    readonly store: CredentialStore,
    private readonly env: NodeJS.ProcessEnv,
    private readonly configDir: string,
    private readonly note: (message: string) => void,
  ) {}

  get sessionAccount(): string {
    return accountNames.session(this.target.url, this.target.profile)
  }

  /** Set when CI passes credentials through the environment. */
  get envOverride(): 'LEDGER_TOKEN' | 'LEDGER_API_KEY' | null {
    if (this.env['LEDGER_TOKEN']) return 'LEDGER_TOKEN'
    if (this.env['LEDGER_API_KEY']) return 'LEDGER_API_KEY'
    return null
  }

  /** A client with no credential, for the daemon this session talks to. */
  anonymousClient(timeoutMs?: number): LedgerClient {
    return this.track(new LedgerClient({ baseUrl: this.target.url, timeoutMs }))
  }

  /** The stored login, if any (never when an environment credential is set). */
  async loadLogin(): Promise<{ session: StoredSession; where: StoreKind } | null> {
    if (this.envOverride) return null
    const found = await this.store.get(this.sessionAccount)
    if (!found) return null
    const parsed = StoredSessionSchema.safeParse(safeJson(found.value))
    if (!parsed.success) return null
    return { session: parsed.data, where: found.where }
  }

  async saveLogin(tokens: TokenResponse, now = Date.now()): Promise<StoreKind> {
    const session: StoredSession = {
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      account_id: tokens.account_id,
      email: tokens.email,
      expires_at: now + tokens.expires_in * 1000,
    }
    return this.store.set(this.sessionAccount, JSON.stringify(session))
  }

  async clearLogin(): Promise<void> {
    await this.store.delete(this.sessionAccount)
  }

  /**
   * A client carrying a valid access token: `LEDGER_TOKEN`, or the stored login, refreshed
   * before it expires and again if the daemon refuses it. Exit code 4 when not logged in.
   */
  async accountClient(): Promise<LedgerClient> {
    const envToken = this.env['LEDGER_TOKEN']
    if (envToken) return this.track(new LedgerClient({ baseUrl: this.target.url, credential: envToken }))
    if (this.env['LEDGER_API_KEY']) {
      throw new CliError(
        'this command needs an account login, and LEDGER_API_KEY is an API key',
        'Set LEDGER_TOKEN (see `ledger auth token`) or unset LEDGER_API_KEY and run `ledger login`.',
        EXIT.auth,
      )
    }
    const login = await this.loadLogin()
    if (!login) throw this.notLoggedIn()
    let token = login.session.access_token
    if (login.session.expires_at - EXPIRY_MARGIN_MS <= Date.now()) token = await this.refresh(token)
    const client = new LedgerClient({
      baseUrl: this.target.url,
      credential: token,
      refreshCredential: (rejected) => this.refresh(rejected),
    })
    return this.track(client)
  }

  /**
   * A client carrying an API key for a project: `LEDGER_API_KEY`, else `apiKey` (a flag), else
   * the key stored for `project` on this daemon, else — with `create` and a login — a new key
   * for the project, stored for next time.
   */
  async projectClient(opts: { project?: string; apiKey?: string; create?: boolean }): Promise<ProjectAccess> {
    const fromEnv = this.env['LEDGER_API_KEY']
    if (fromEnv) return this.keyAccess(fromEnv, 'env')
    if (opts.apiKey) return this.keyAccess(opts.apiKey, 'flag')
    if (!opts.project) {
      throw new CliError(
        'no API key: pass --project SLUG (or --api-key, or set LEDGER_API_KEY)',
        undefined,
        EXIT.usage,
      )
    }
    if (this.env['LEDGER_TOKEN']) {
      throw new CliError(
        'LEDGER_TOKEN is set, so stored API keys are not used; this command needs an API key',
        'Set LEDGER_API_KEY (or pass --api-key) in CI.',
        EXIT.auth,
      )
    }
    const project = opts.project.toLowerCase()
    const stored = await this.store.get(accountNames.projectKey(this.target.url, this.target.profile, project))
    if (stored) return this.keyAccess(stored.value, 'stored')
    if (!opts.create) {
      throw new CliError(
        `no API key stored for project '${project}' on ${this.target.url}`,
        `Create one with \`ledger keys create --project ${project} --name NAME\`, or pass --api-key.`,
        EXIT.auth,
      )
    }
    const account = await this.accountClient()
    const found = await findProject(account, project)
    const created = await account.createApiKey(found.project_id, {
      name: `ledger-cli@${hostname()}`.slice(0, 100),
      description: 'Created by the ledger CLI on first use and kept in its credential store.',
    })
    const where = await this.saveProjectKey(found, created.full_key)
    this.note(`Created API key ${created.key_prefix}… for project '${found.slug}' (stored in the ${where}).`)
    return this.keyAccess(created.full_key, 'created')
  }

  /**
   * A client that may read a project's logs, and the query parameters that name the project:
   * an API key (`LEDGER_API_KEY`, `--api-key`) names it itself; a login reads any of its
   * projects with `project_id`, no key needed; else the key stored for the project.
   */
  async readAccess(opts: { project?: string; apiKey?: string }): Promise<{ client: LedgerClient; query: { project_id?: number } }> {
    if (this.env['LEDGER_API_KEY'] || opts.apiKey) return { client: (await this.projectClient(opts)).client, query: {} }
    if (!opts.project) {
      throw new CliError('which project? pass --project SLUG (or --api-key, or set LEDGER_API_KEY)', undefined, EXIT.usage)
    }
    if (this.env['LEDGER_TOKEN'] || (await this.loadLogin())) {
      const account = await this.accountClient()
      const project = await findProject(account, opts.project.toLowerCase())
      return { client: account, query: { project_id: project.project_id } }
    }
    return { client: (await this.projectClient({ project: opts.project })).client, query: {} }
  }

  /** Keeps a project's key under its slug and its id, so either finds it later. */
  async saveProjectKey(project: Pick<Project, 'slug' | 'project_id'>, key: string): Promise<StoreKind> {
    const { url, profile } = this.target
    const where = await this.store.set(accountNames.projectKey(url, profile, project.slug), key)
    await this.store.set(accountNames.projectKey(url, profile, String(project.project_id)), key)
    return where
  }

  async forgetProjectKey(project: Pick<Project, 'slug' | 'project_id'>): Promise<void> {
    const { url, profile } = this.target
    await this.store.delete(accountNames.projectKey(url, profile, project.slug))
    await this.store.delete(accountNames.projectKey(url, profile, String(project.project_id)))
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()))
  }

  private keyAccess(key: string, source: CredentialSource): ProjectAccess {
    const client = this.track(new LedgerClient({ baseUrl: this.target.url, credential: key }))
    return { client, source, projectId: projectIdOfKey(key) }
  }

  private track(client: LedgerClient): LedgerClient {
    this.clients.push(client)
    return client
  }

  private notLoggedIn(reason?: string): CliError {
    const profile = this.target.profile === 'default' ? '' : ` --profile ${this.target.profile}`
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
    return withFileLock(join(this.configDir, 'refresh.lock'), async () => {
      const current = await this.loadLogin()
      if (!current) throw this.notLoggedIn()
      const { session } = current
      if (session.access_token !== rejected && session.expires_at - EXPIRY_MARGIN_MS > Date.now()) {
        return session.access_token
      }
      const anon = new LedgerClient({ baseUrl: this.target.url })
      try {
        const tokens = await anon.refresh(session.refresh_token)
        await this.saveLogin({ ...tokens, account_id: session.account_id, email: session.email })
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

/** A project of the account by slug or numeric id, with a clear error when there is none. */
export async function findProject(client: LedgerClient, ref: string): Promise<Project> {
  if (/^[0-9]+$/.test(ref)) {
    const { projects } = await client.listProjects()
    const p = projects.find((x) => x.project_id === Number(ref))
    if (p) return p
    throw new CliError(`no project with id ${ref}`, 'See `ledger projects list`.')
  }
  try {
    return await client.getProject(ref)
  } catch (err) {
    if (err instanceof LedgerApiError && err.status === 404) {
      throw new CliError(`no project '${ref}'`, 'See `ledger projects list`.')
    }
    throw err
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
