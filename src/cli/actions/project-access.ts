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
  if (found) {
    if ((found.source === 'env' || found.source === 'flag') && opts.project) await checkKeyProject(session, found, opts.project)
    return found
  }
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
    throw new CliError('which project? pass --project SLUG (or --api-key, or set LEDGER_API_KEY)', 'Or set a default project: `ledger config set project SLUG`.', EXIT.usage)
  }
  if (session.hasEnv('LEDGER_TOKEN') || (await session.loadLogin())) {
    const account = await session.accountClient()
    const project = await findProject(account, opts.project.toLowerCase())
    return { client: account, query: { project_id: project.project_id } }
  }
  return { client: (await projectKey(session, { project: opts.project })).client, query: {} }
}

/**
 * A key given by the user (LEDGER_API_KEY, --api-key) with `--project` naming another project
 * is refused (exit 2) rather than read or written to the key's own project. The key names its
 * project's id; `project` is an id, or a slug resolved through the key stored for it or the
 * login. A slug that cannot be resolved is refused too: nothing goes to a project unasked.
 */
async function checkKeyProject(session: Session, access: KeyAccess, project: string): Promise<void> {
  const keyProject = keyProjectId(access.client.credential ?? '')
  if (keyProject === null) return // malformed: the daemon refuses it as an invalid key
  const ref = project.toLowerCase()
  let wanted: number | null = /^\d+$/.test(ref) ? Number(ref) : null
  let name = `'${ref}'`
  if (wanted === null) {
    const stored = await session.storedProjectKey(ref)
    if (stored) wanted = keyProjectId(stored)
  }
  if (wanted === null && (session.hasEnv('LEDGER_TOKEN') || (await session.loadLogin()))) {
    const found = await findProject(await session.accountClient(), ref)
    wanted = found.project_id
    name = `'${found.slug}' (id ${found.project_id})`
  }
  const given = access.source === 'env' ? 'LEDGER_API_KEY' : '--api-key'
  if (wanted === null) {
    throw new CliError(
      `cannot tell whether the API key in ${given} belongs to project ${name}: it belongs to project id ${keyProject}`,
      `Leave out --project (the key names its project), or pass --project ${keyProject}.`,
      EXIT.usage,
    )
  }
  if (wanted !== keyProject) {
    throw new CliError(
      `the API key in ${given} belongs to project id ${keyProject}, not to project ${name}`,
      `Leave out --project (the key names its project), or use a key of ${name}.`,
      EXIT.usage,
    )
  }
}

/** The project id an API key names (`ldg_proj_<id>_…`), or null for a malformed key. */
function keyProjectId(key: string): number | null {
  const m = /^ldg_proj_([1-9][0-9]{0,15})_/.exec(key)
  return m ? Number(m[1]) : null
}
