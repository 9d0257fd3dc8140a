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

/** Creating, revoking and checking project API keys. */
export class ApiKeyService {
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
    this.limiter.forget(keyId)
    return { success: true, message: `API key ${keyId} has been revoked` }
  }

  /** The principal of a live key, or null: malformed keys are refused before any lookup. */
  authenticate(key: string): KeyPrincipal | null {
    const parsed = parseApiKey(key)
    if (!parsed) return null
    const row: ApiKeyAuthRow | undefined = findApiKeyByHash(this.ctx.db, hashApiKey(key))
    if (!row || row.revoked_at !== null || row.project_id !== parsed.projectId) return null
    return { keyId: row.id, projectId: row.project_id, accountId: row.account_id }
  }
}
