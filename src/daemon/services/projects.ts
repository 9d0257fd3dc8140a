import type { z } from 'zod'
import type {
  CreateProjectRequestSchema,
  Project,
  ProjectList,
  UpdateProjectRequestSchema,
} from '../../contract/projects.js'
import {
  countProjects,
  findProjectBySlug,
  insertProject,
  listProjects,
  type ProjectRow,
  updateProject,
} from '../storage/sqlite/projects.js'
import { conflict, notFound } from './errors.js'
import type { ServiceContext } from './context.js'

export function toProject(row: ProjectRow): Project {
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
  ) {}

  create(accountId: number, input: z.output<typeof CreateProjectRequestSchema>): Project {
    if (findProjectBySlug(this.ctx.db, accountId, input.slug)) {
      throw conflict(`Project slug '${input.slug}' already exists`)
    }
    const cap = this.ctx.config.maxProjectsPerAccount
    if (countProjects(this.ctx.db, accountId) >= cap) {
      throw conflict(`This account already has ${cap} projects, the most this daemon allows per account`)
    }
    return toProject(insertProject(this.ctx.db, { accountId, ...input, now: this.ctx.now() }))
  }

  list(accountId: number): ProjectList {
    const projects = listProjects(this.ctx.db, accountId).map(toProject)
    return { projects, total: projects.length }
  }

  getBySlug(accountId: number, slug: string): Project {
    const row = findProjectBySlug(this.ctx.db, accountId, slug.toLowerCase())
    if (!row) throw notFound('Project not found')
    return toProject(row)
  }

  update(accountId: number, slug: string, input: z.output<typeof UpdateProjectRequestSchema>): Project {
    const row = findProjectBySlug(this.ctx.db, accountId, slug.toLowerCase())
    if (!row) throw notFound('Project not found')
    const updated = updateProject(this.ctx.db, row.id, input)
    this.onChange(row.id)
    return toProject(updated)
  }
}
