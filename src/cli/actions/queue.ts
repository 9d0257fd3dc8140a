import type { Session } from '../auth/session.js'
import { CliError } from '../runtime/errors.js'
import { projectKey } from './project-access.js'

export interface QueueRow {
  project_id: number
  slug: string | null
  queue_depth: number
  /** Capacity per project (known with a login). */
  queue_capacity: number | null
}

export interface QueueResult {
  queues: QueueRow[]
}

/**
 * How `ledger queue` reads the depths, chosen once: with a login, the account's overview (every
 * project, or `project`, with its capacity); with an API key (`LEDGER_API_KEY`, `--api-key`, or
 * the key stored for `project`), that key's own project. Call the reader for each redraw.
 */
export async function queueReader(
  session: Session,
  opts: { project?: string; apiKey?: string },
): Promise<() => Promise<QueueResult>> {
  const project = opts.project?.toLowerCase()
  const useKey =
    Boolean(opts.apiKey || session.envOverride === 'LEDGER_API_KEY') || !(session.envOverride || (await session.loadLogin()))
  if (useKey) {
    const { client } = await projectKey(session, { ...(project ? { project } : {}), ...(opts.apiKey ? { apiKey: opts.apiKey } : {}) })
    // The key's answer is its project's id and depth, with its slug and capacity in headers; from
    // an older daemon without them, a login at hand (stored, or LEDGER_TOKEN) names them, read once.
    let known: { slug: string; queue_capacity: number } | null | undefined
    return async () => {
      const d = await client.queueDepthWithProject()
      if (d.slug === null || d.queue_capacity === null) known ??= await projectFacts(session, d.project_id)
      return {
        queues: [
          {
            project_id: d.project_id,
            slug: d.slug ?? known?.slug ?? project ?? null,
            queue_depth: d.queue_depth,
            queue_capacity: d.queue_capacity ?? known?.queue_capacity ?? null,
          },
        ],
      }
    }
  }
  const client = await session.accountClient()
  return async () => {
    const o = await client.statsOverview()
    const queues = o.projects
      .filter((p) => !project || p.slug === project)
      .map((p) => ({ project_id: p.project_id, slug: p.slug, queue_depth: p.queue_depth, queue_capacity: p.queue_capacity }))
    if (project && queues.length === 0) throw new CliError(`no project '${project}'`, 'See `ledger projects list`.')
    return { queues }
  }
}

/**
 * The slug and queue capacity of project `projectId` from the account's overview, when a login
 * is at hand (a stored one, or LEDGER_TOKEN); null without one, or when it cannot say.
 */
async function projectFacts(session: Session, projectId: number): Promise<{ slug: string; queue_capacity: number } | null> {
  if (session.envOverride === 'LEDGER_API_KEY') return null
  if (session.envOverride !== 'LEDGER_TOKEN' && !(await session.loadLogin())) return null
  try {
    const o = await (await session.accountClient()).statsOverview()
    const p = o.projects.find((x) => x.project_id === projectId)
    return p ? { slug: p.slug, queue_capacity: p.queue_capacity } : null
  } catch {
    // The key's depth is the answer; the names around it are a courtesy.
    return null
  }
}
