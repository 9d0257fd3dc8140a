import type {
  ApiKey,
  ApiKeyDetail,
  ApiKeyList,
  CreateApiKeyRequest,
  CreatedApiKey,
  Limits,
  LimitsRequest,
  Metrics,
  UpdateApiKeyRequest,
} from '../../contract/api-keys.js'
import type { Success } from '../../contract/common.js'
import { formatTimestamp } from '../../shared/time.js'
import type { StoreKind } from '../auth/credential-store.js'
import type { Session } from '../auth/session.js'
import { findProject } from './projects.js'

/** `keys create --json`: the key as the API answers it, its project, and where the CLI kept it. */
export interface KeyCreateResult extends CreatedApiKey {
  project_id: number
  project_slug: string
  /** Where the CLI kept the key for `--project` lookups (null with --no-store). */
  stored_in: StoreKind | null
}

/**
 * Creates a key for a project (slug or id) and, with `store`, keeps it in the credential store
 * for that project, so `--project SLUG` finds it later.
 */
export async function createKey(
  session: Session,
  input: { project: string; body: CreateApiKeyRequest; store: boolean },
): Promise<KeyCreateResult> {
  const client = await session.accountClient()
  const project = await findProject(client, input.project.toLowerCase())
  const created = await client.createApiKey(project.project_id, input.body)
  const stored = input.store ? await session.saveProjectKey(project, created.full_key) : null
  return { ...created, project_id: project.project_id, project_slug: project.slug, stored_in: stored }
}

/**
 * The account's keys, or one project's: one page (`page`), or every page fetched in turn (the
 * answer then says page 1, of a size holding them all).
 */
/** The account's project slugs by id (for listings that show a key's project). */
export async function projectSlugs(session: Session): Promise<Map<number, string>> {
  const { projects } = await (await session.accountClient()).listProjects()
  return new Map(projects.map((p) => [p.project_id, p.slug]))
}

export async function listKeys(
  session: Session,
  input: { project?: string; page?: number; size: number },
): Promise<ApiKeyList> {
  const client = await session.accountClient()
  const projectId = input.project ? (await findProject(client, input.project.toLowerCase())).project_id : undefined
  if (input.page) return client.listApiKeys({ projectId, page: input.page, size: input.size })
  const list = await client.listApiKeys({ projectId, page: 1, size: input.size })
  for (let page = 2; list.api_keys.length < list.total; page++) {
    const next = await client.listApiKeys({ projectId, page, size: input.size })
    if (next.api_keys.length === 0) break
    list.api_keys.push(...next.api_keys)
  }
  return { ...list, page: 1, size: list.api_keys.length }
}

export async function getKey(session: Session, id: number): Promise<ApiKeyDetail> {
  return (await session.accountClient()).getApiKey(id)
}

export async function updateKey(session: Session, id: number, body: UpdateApiKeyRequest): Promise<ApiKey> {
  return (await session.accountClient()).updateApiKey(id, body)
}

/** The key's limits, or (with `set`) new ones. */
export async function keyLimits(session: Session, id: number, set?: LimitsRequest): Promise<Limits> {
  const client = await session.accountClient()
  return set ? client.setKeyLimits(id, set) : client.getKeyLimits(id)
}

export async function keyMetrics(session: Session, id: number, range: { from: number; to: number }): Promise<Metrics> {
  return (await session.accountClient()).keyMetrics(id, formatTimestamp(range.from), formatTimestamp(range.to))
}

/** What `keys revoke` did: the API's answer, and the project whose stored copy was removed. */
export interface KeyRevokeOutcome {
  result: Success
  /** Slug of the project the CLI had stored this key for (that copy is gone now), or null. */
  forgotten: string | null
}

/** Revokes a key; the copy the credential store kept for its project goes with it. */
export async function revokeKey(session: Session, id: number): Promise<KeyRevokeOutcome> {
  const client = await session.accountClient()
  const key = await client.getApiKey(id)
  const result = await client.revokeApiKey(id)
  const project = (await client.me()).projects.find((p) => p.project_id === key.project_id)
  if (project && (await session.storedProjectKey(project.slug))?.startsWith(key.key_prefix)) {
    await session.forgetProjectKey(project)
    return { result, forgotten: project.slug }
  }
  return { result, forgotten: null }
}
