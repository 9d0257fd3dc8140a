import type { Log } from '../../contract/ingest.js'
import { ENUM_FIELDS, TEXT_FIELDS } from '../../contract/log-fields.js'
import type { LogFilter, LogPage, LogQuery } from '../../contract/logs.js'
import { formatTimestamp } from '../../shared/time.js'
import { type LogFilterSpec, type LogRecord, UnsearchableQueryError } from '../storage/types.js'
import { badRequest, notFound } from './errors.js'
import type { Principal } from './principal.js'
import type { ServiceContext } from './context.js'

const DEFAULT_LIMIT = 100

export function toLog(row: LogRecord): Log {
  const log = {
    id: row.id,
    project_id: row.project_id,
    timestamp: formatTimestamp(row.timestamp),
    received_at: formatTimestamp(row.received_at),
  } as Record<string, unknown>
  for (const f of ENUM_FIELDS) log[f.name] = row[f.name]
  for (const f of TEXT_FIELDS) log[f.name] = row[f.name]
  log['attributes'] = row.attributes === null ? null : (JSON.parse(row.attributes) as Record<string, unknown>)
  return log as Log
}

export { logJson } from '../storage/log-json.js'

/** Cursor: the (timestamp, id) of the last log of a page, base64url-encoded. */
export function encodeCursor(row: { timestamp: number; id: number }): string {
  return Buffer.from(JSON.stringify([row.timestamp, row.id])).toString('base64url')
}

export function decodeCursor(cursor: string): { timestamp: number; id: number } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (Array.isArray(v) && v.length === 2 && v.every((n) => Number.isSafeInteger(n))) {
      return { timestamp: v[0] as number, id: v[1] as number }
    }
  } catch {
    // fall through
  }
  throw badRequest('cursor is not valid: pass the next_cursor of a previous page unchanged')
}

/** Reading stored logs back, newest first, with keyset paging. */
export class LogService {
  constructor(private readonly ctx: ServiceContext) {}

  /** The project a read is about: the key's own, or `project_id` of the token's account. */
  async projectFor(who: Principal, projectId: number | undefined): Promise<number> {
    if (who.kind === 'key') {
      if (projectId !== undefined && projectId !== who.projectId) {
        throw badRequest(`project_id ${projectId} is not the project of this API key`)
      }
      return who.projectId
    }
    if (projectId === undefined) throw badRequest('project_id is required when reading with an access token')
    const project = await this.ctx.storage.projects.findById(projectId)
    if (!project || project.account_id !== who.accountId) throw notFound('Project not found')
    return project.id
  }

  /**
   * One page of a project's logs, newest first. Without `q`, every stored log; with `q`, only
   * those already indexed.
   */
  async list(projectId: number, q: LogQuery): Promise<LogPage> {
    const limit = q.limit ?? DEFAULT_LIMIT
    const filter = storedFilter(projectId, q)
    // One extra row tells whether another page exists.
    const read = { ...filter, before: q.cursor ? decodeCursor(q.cursor) : undefined, limit: limit + 1 }
    const rows = await searchGuard(() => this.ctx.storage.logReads.page(read))
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return { logs: page.map(toLog), next_cursor: rows.length > limit && last ? encodeCursor(last) : null }
  }
}

/** The parsed filters of a request as the repositories take them (from ≤ to checked). */
export function storedFilter(projectId: number, f: LogFilter): LogFilterSpec {
  if (f.from !== undefined && f.to !== undefined && f.from > f.to) throw badRequest('from must not be after to')
  return {
    projectId,
    levels: f.level,
    logTypes: f.log_type,
    environment: f.environment,
    release: f.release,
    attr: f.attr,
    from: f.from,
    to: f.to,
    search: f.q?.tree,
  }
}

/** Runs a read; a query the search engine refuses becomes a 400 (the parser should catch all). */
export async function searchGuard<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (err) {
    if (err instanceof UnsearchableQueryError) throw badRequest(`q cannot be searched: ${err.message}`)
    throw err
  }
}
