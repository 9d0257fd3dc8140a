import { hostname } from 'node:os'
import type { LedgerClient } from '../../client/index.js'
import type { KeyAccess, Session } from '../auth/session.js'
import { CliError, EXIT } from '../runtime/errors.js'
import { findProject } from './projects.js'

/**
 * The API key a command writes to a project with: `LEDGER_API_KEY`, else `--api-key`, else the
 * key stored for `--project`, else — with `create` and a login — a new key for the project,
 * stored for next time (what `ledger ingest --project` does on first use).
 */
export async function projectKey(
  session: Session,
  opts: { project?: string; apiKey?: string; create?: boolean },
): Promise<KeyAccess> {
  const found = await session.keyClient(opts)
  if (found) return found
  const project = opts.project!.toLowerCase()
  if (!opts.create) {
    await session.assertReachable()
    throw new CliError(
      `no API key stored for project '${project}' on ${session.target.url}`,
      `Create one with \`ledger keys create --project ${project} --name NAME\`, or pass --api-key.`,
      EXIT.auth,
    )
  }
  const account = await session.accountClient()
  const target = await findProject(account, project)
  const created = await account.createApiKey(target.project_id, {
    name: `ledger-cli@${hostname()}`.slice(0, 100),
    description: 'Created by the ledger CLI on first use and kept in its credential store.',
  })
  const where = await session.saveProjectKey(target, created.full_key)
  session.tell(`Created API key ${created.key_prefix}… for project '${target.slug}' (stored in the ${where}).`)
  return session.keyAccess(created.full_key, 'created')
}

/**
 * A client that may read a project's logs, and the query parameters that name the project:
 * an API key (`LEDGER_API_KEY`, `--api-key`) names it itself; a login reads any of its
 * projects with `project_id`, no key needed; else the key stored for the project.
 */
export async function readAccess(
  session: Session,
  opts: { project?: string; apiKey?: string },
): Promise<{ client: LedgerClient; query: { project_id?: number } }> {
  if (session.hasEnv('LEDGER_API_KEY') || opts.apiKey) return { client: (await projectKey(session, opts)).client, query: {} }
  if (!opts.project) {
    throw new CliError('which project? pass --project SLUG (or --api-key, or set LEDGER_API_KEY)', undefined, EXIT.usage)
  }
  if (session.hasEnv('LEDGER_TOKEN') || (await session.loadLogin())) {
    const account = await session.accountClient()
    const project = await findProject(account, opts.project.toLowerCase())
    return { client: account, query: { project_id: project.project_id } }
  }
  return { client: (await projectKey(session, { project: opts.project })).client, query: {} }
}
