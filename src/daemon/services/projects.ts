import type { z } from 'zod'
import type {
  CreateProjectRequestSchema,
  Project,
  ProjectList,
  UpdateProjectRequestSchema,
} from '../../contract/projects.js'
import type { ProjectRecord } from '../storage/types.js'
import { conflict, notFound } from './errors.js'
import type { ServiceContext } from './context.js'

export function toProject(row: ProjectRecord): Project {
  return {
    project_id: row.id,
    name: row.name,
    slug: row.slug,
    environment: row.environment,
    retention_days: row.retention_days,
    daily_quota: row.daily_quota,
  }
}

/** Projects of an account; slugs are unique per account, and an account has at most a cap of them. */
export class ProjectService {
  constructor(
    private readonly ctx: ServiceContext,
    /** Told when a project's settings change (the ingest service caches its quota). */
    private readonly onChange: (projectId: number) => void = () => {},
    /** Told when a project was deleted, with its keys' ids (caches of keys, quotas, panels). */
    private readonly onDelete: (project: { projectId: number; accountId: number; keyIds: number[] }) => void = () => {},
  ) {}

  async create(accountId: number, input: z.output<typeof CreateProjectRequestSchema>): Promise<Project> {
    const cap = this.ctx.config.maxProjectsPerAccount
    const created = await this.ctx.storage.projects.create({ accountId, ...input, now: this.ctx.now() }, cap)
    if (created === 'exists') throw conflict(`Project slug '${input.slug}' already exists`)
    if (created === 'capped') {
      throw conflict(`This account already has ${cap} projects, the most this daemon allows per account`)
    }
    return toProject(created)
  }

  async list(accountId: number): Promise<ProjectList> {
    const projects = (await this.ctx.storage.projects.list(accountId)).map(toProject)
    return { projects, total: projects.length }
  }

  async getBySlug(accountId: number, slug: string): Promise<Project> {
    const row = await this.ctx.storage.projects.findBySlug(accountId, slug.toLowerCase())
    if (!row) throw notFound('Project not found')
    return toProject(row)
  }

  /**
   * Deletes one of the account's projects with its logs, keys and panels. Another account's
   * project is not found (404), as for every object of another account read by id.
   */
  async delete(accountId: number, projectId: number): Promise<void> {
    const row = await this.ctx.storage.projects.findById(projectId)
    if (!row || row.account_id !== accountId) throw notFound('Project not found')
    const gone = await this.ctx.storage.projects.delete(projectId)
    if (!gone) throw notFound('Project not found')
    this.onDelete({ projectId, accountId, keyIds: gone.keyIds })
    await this.ctx.storage.bus.publish({ kind: 'project', projectId, accountId, deleted: true })
  }

  async update(accountId: number, slug: string, input: z.output<typeof UpdateProjectRequestSchema>): Promise<Project> {
    const row = await this.ctx.storage.projects.findBySlug(accountId, slug.toLowerCase())
    if (!row) throw notFound('Project not found')
    const updated = await this.ctx.storage.projects.update(row.id, input)
    this.onChange(row.id)
    await this.ctx.storage.bus.publish({ kind: 'project', projectId: row.id, accountId, deleted: false })
    return toProject(updated)
  }
}
