import { LedgerApiError, type LedgerClient } from '../../client/index.js'
import type { CreateProjectRequest, Project, ProjectList, UpdateProjectRequest } from '../../contract/projects.js'
import type { Session } from '../auth/session.js'
import { CliError } from '../runtime/errors.js'

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

/**
 * The slug `projects create` makes from a name: lowercase ASCII letters and digits, every other
 * run of characters a hyphen, accents dropped ("Café Rouge!" → cafe-rouge); at most 64.
 */
export function slugFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '')
}

export async function createProject(session: Session, body: CreateProjectRequest): Promise<Project> {
  return (await session.accountClient()).createProject(body)
}

export async function listProjects(session: Session): Promise<ProjectList> {
  return (await session.accountClient()).listProjects()
}

/** One project, by slug (any case) or id. */
export async function getProject(session: Session, ref: string): Promise<Project> {
  return findProject(await session.accountClient(), ref.toLowerCase())
}

export async function updateProject(session: Session, ref: string, body: UpdateProjectRequest): Promise<Project> {
  const client = await session.accountClient()
  const project = await findProject(client, ref.toLowerCase())
  return client.updateProject(project.slug, body)
}

/** The project a `projects delete` names (to show and confirm), and the client to delete it with. */
export async function projectToDelete(session: Session, ref: string): Promise<{ project: Project; remove: () => Promise<void> }> {
  const client = await session.accountClient()
  const project = await findProject(client, ref.toLowerCase())
  return {
    project,
    remove: async () => {
      await client.deleteProject(project.project_id)
      // Its keys are gone on the daemon: the copies kept for it are of no use any more.
      await session.forgetProjectKey(project)
    },
  }
}
