import type { z } from 'zod'
import type { CreateApiKeyRequestSchema, CreatedApiKey } from '../../contract/api-keys.js'
import type { Success } from '../../contract/common.js'
import {
  type ApiKeyAuthRow,
  findApiKeyByHash,
  findApiKeyById,
  insertApiKey,
  revokeApiKey,
} from '../db/api-keys.js'
import { findProjectById } from '../db/projects.js'
import { forbidden, notFound } from '../errors.js'
import type { ServiceContext } from './context.js'
import { generateApiKey, hashApiKey, parseApiKey } from './key-format.js'
import type { MemoryRateLimiter } from './rate-limiter.js'

/** The identity an API key grants to a request. */
export interface KeyPrincipal {
  keyId: number
  projectId: number
  accountId: number
}

const CACHE_LIMIT = 10_000

/** Creating, revoking and checking project API keys. */
export class ApiKeyService {
  /**
   * Live keys already looked up, by hash: authentication is on every ingest request. Only live
   * keys are cached (a flood of forged keys cannot fill it); revoking drops the entry.
   */
  private readonly live = new Map<string, KeyPrincipal>()

  constructor(
    private readonly ctx: ServiceContext,
    private readonly limiter: MemoryRateLimiter,
  ) {}

  create(
    accountId: number,
    projectId: number,
    input: z.output<typeof CreateApiKeyRequestSchema>,
  ): CreatedApiKey {
    const project = findProjectById(this.ctx.db, projectId)
    if (!project) throw notFound('Project not found')
    if (project.account_id !== accountId) throw forbidden('You do not own this project')
    const { key, prefix, hash } = generateApiKey(projectId)
    const row = insertApiKey(this.ctx.db, { projectId, name: input.name, prefix, hash, now: this.ctx.now() })
    return {
      key_id: row.id,
      full_key: key,
      key_prefix: row.key_prefix,
      warning: 'Save this key now! It will not be shown again.',
    }
  }

  revoke(accountId: number, keyId: number): Success {
    const key = findApiKeyById(this.ctx.db, keyId)
    if (!key) throw notFound('API key not found')
    if (key.account_id !== accountId) throw forbidden('You do not own this API key')
    revokeApiKey(this.ctx.db, keyId, this.ctx.now())
    this.forgetKey(keyId)
    return { success: true, message: `API key ${keyId} has been revoked` }
  }

  /** The principal of a live key, or null: malformed keys are refused before any lookup. */
  authenticate(key: string): KeyPrincipal | null {
    const parsed = parseApiKey(key)
    if (!parsed) return null
    const hash = hashApiKey(key)
    const cached = this.live.get(hash)
    if (cached) return cached
    const row: ApiKeyAuthRow | undefined = findApiKeyByHash(this.ctx.db, hash)
    if (!row || row.revoked_at !== null || row.project_id !== parsed.projectId) return null
    const principal = { keyId: row.id, projectId: row.project_id, accountId: row.account_id }
    if (this.live.size >= CACHE_LIMIT) this.live.clear()
    this.live.set(hash, principal)
    return principal
  }

  /** Drops a key from the caches: the next request with it is checked against the database. */
  private forgetKey(keyId: number): void {
    for (const [hash, p] of this.live) if (p.keyId === keyId) this.live.delete(hash)
    this.limiter.forget(keyId)
  }
}
