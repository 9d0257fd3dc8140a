import { randomBytes } from 'node:crypto'
import type { z } from 'zod'
import type { Success } from '../../contract/common.js'
import { LEVELS } from '../../contract/ingest.js'
import {
  BUCKET_SIZES,
  type BucketSize,
  type Panel,
  type PanelData,
  type PanelDataQuerySchema,
  type PanelInputSchema,
  type PanelList,
} from '../../contract/panels.js'
import { formatTimestamp, parseTimestamp } from '../../shared/time.js'
import type { PanelFields, PanelRecord, ProjectRecord } from '../storage/types.js'
import { badRequest, notFound } from './errors.js'
import type { ServiceContext } from './context.js'
import type { LogService } from './logs.js'

const CACHE_TTL_MS = 5 * 60 * 1000
// Chosen bucket: the smallest size giving at most this many; a bucket asked for may give more.
const AUTO_BUCKETS = 100
const MAX_BUCKETS = 1500

function toPanel(row: PanelRecord): Panel {
  return {
    id: row.id,
    name: row.name,
    index: row.idx,
    project_id: row.project_ref,
    time_range_from: formatTimestamp(row.time_range_from),
    time_range_to: formatTimestamp(row.time_range_to),
    type: row.type as Panel['type'],
  }
}

/** Dashboard panels of an account, with a 5-minute read cache dropped on every write. */
export class PanelService {
  private readonly cache = new Map<number, { until: number; value: PanelList }>()

  constructor(
    private readonly ctx: ServiceContext,
    private readonly logs: LogService,
  ) {}

  async list(accountId: number): Promise<PanelList> {
    const hit = this.cache.get(accountId)
    const now = this.ctx.now()
    if (hit && hit.until > now) return hit.value
    const panels = (await this.ctx.storage.panels.list(accountId)).map(toPanel)
    const value = { panels, total: panels.length }
    this.cache.set(accountId, { until: now + CACHE_TTL_MS, value })
    return value
  }

  async get(accountId: number, panelId: string): Promise<PanelRecord> {
    const row = await this.ctx.storage.panels.find(accountId, panelId)
    if (!row) throw notFound('Panel not found')
    return row
  }

  async create(accountId: number, input: z.output<typeof PanelInputSchema>): Promise<Panel> {
    const fields = await this.fields(accountId, input)
    const id = `panel_${randomBytes(8).toString('hex')}`
    await this.ctx.storage.panels.insert({ id, account_id: accountId, created_at: this.ctx.now(), ...fields })
    await this.changed(accountId)
    return toPanel({ id, account_id: accountId, created_at: 0, ...fields })
  }

  async update(accountId: number, panelId: string, input: z.output<typeof PanelInputSchema>): Promise<Panel> {
    const fields = await this.fields(accountId, input)
    if (!(await this.ctx.storage.panels.update(accountId, panelId, fields))) throw notFound('Panel not found')
    await this.changed(accountId)
    return toPanel({ id: panelId, account_id: accountId, created_at: 0, ...fields })
  }

  /** Panels changed outside this service (a project deleted with its panels, another daemon's write). */
  forgetAccount(accountId: number): void {
    this.cache.delete(accountId)
  }

  /** News from the other daemons may have been missed (their bus was cut): read every list again. */
  forgetAll(): void {
    this.cache.clear()
  }

  /** A write here: this daemon's cached list, and the other daemons' (told after the commit). */
  private async changed(accountId: number): Promise<void> {
    this.cache.delete(accountId)
    await this.ctx.storage.bus.publish({ kind: 'panels', accountId })
  }

  async delete(accountId: number, panelId: string): Promise<Success> {
    if (!(await this.ctx.storage.panels.delete(accountId, panelId))) throw notFound('Panel not found')
    await this.changed(accountId)
    return { success: true, message: `Panel ${panelId} deleted successfully` }
  }

  /**
   * What a panel shows over its time range: a `logs` panel its logs (newest first, paged like
   * GET /logs), an `errors` panel error and critical counts per bucket, a `metrics` panel
   * counts per level per bucket. Buckets cover the whole range, empty ones included; counts
   * are of processed logs.
   */
  async data(accountId: number, panelId: string, q: z.output<typeof PanelDataQuerySchema>): Promise<PanelData> {
    const row = await this.get(accountId, panelId)
    const panel = toPanel(row)
    const project = await this.project(accountId, row.project_ref)
    if (!project) throw notFound(`The project '${row.project_ref}' of this panel no longer exists`)
    const from = row.time_range_from
    const to = row.time_range_to
    if (row.type === 'logs') {
      if (q.bucket) throw badRequest('bucket applies to errors and metrics panels, not to logs panels')
      const page = await this.logs.list(project.id, { from, to, limit: q.limit, cursor: q.cursor, attr: [] })
      return { type: 'logs', panel, ...page }
    }
    if (q.limit !== undefined || q.cursor !== undefined) {
      throw badRequest('limit and cursor apply to logs panels only')
    }
    const bucket = q.bucket ?? chooseBucket(from, to)
    const size = BUCKET_SIZES[bucket]
    const origin = Math.floor(from / size) * size
    const n = bucketCount(from, to, size)
    if (n > MAX_BUCKETS) {
      throw badRequest(
        q.bucket
          ? `bucket ${bucket} gives ${n} buckets over this panel's time range; the most is ${MAX_BUCKETS}: choose a larger bucket`
          : `this panel's time range is too long for panel data: more than ${MAX_BUCKETS} days`,
      )
    }
    const grid = Array.from({ length: n }, () => Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<string, number>)
    for (const c of await this.ctx.storage.logReads.countByBucket(project.id, { from, to, origin, size })) {
      const cell = grid[c.bucket]
      if (cell && c.level in cell) cell[c.level]! += c.n
    }
    const at = (i: number) => formatTimestamp(origin + i * size)
    const head = { panel, bucket, bucket_seconds: size / 1000 }
    if (row.type === 'errors') {
      const series = grid.map((g, i) => ({ timestamp: at(i), error: g['error']!, critical: g['critical']! }))
      const totals = { error: sum(series, 'error'), critical: sum(series, 'critical') }
      return { type: 'errors', ...head, series, totals }
    }
    const series = grid.map((g, i) => ({
      timestamp: at(i),
      debug: g['debug']!,
      info: g['info']!,
      warning: g['warning']!,
      error: g['error']!,
      critical: g['critical']!,
      total: LEVELS.reduce((t, l) => t + g[l]!, 0),
    }))
    const totals = {
      debug: sum(series, 'debug'),
      info: sum(series, 'info'),
      warning: sum(series, 'warning'),
      error: sum(series, 'error'),
      critical: sum(series, 'critical'),
      total: sum(series, 'total'),
    }
    return { type: 'metrics', ...head, series, totals }
  }

  /** A panel's project: by id (as a string) when it is one of the account's, else by slug. */
  private async project(accountId: number, ref: string): Promise<ProjectRecord | undefined> {
    const projects = this.ctx.storage.projects
    const byId = /^[1-9][0-9]{0,15}$/.test(ref) ? await projects.findById(Number(ref)) : undefined
    return byId && byId.account_id === accountId ? byId : projects.findBySlug(accountId, ref)
  }

  /** Validates what the schema cannot: the project belongs to the account, and from ≤ to. */
  private async fields(accountId: number, input: z.output<typeof PanelInputSchema>): Promise<PanelFields> {
    const from = parseTimestamp(input.time_range_from)!
    const to = parseTimestamp(input.time_range_to)!
    if (from > to) throw badRequest('time_range_from must not be after time_range_to')
    const ref = input.project_id.toLowerCase()
    const project = await this.project(accountId, ref)
    if (!project) throw badRequest(`project_id '${input.project_id}' is not one of your projects`)
    return {
      name: input.name,
      idx: input.index,
      project_ref: ref,
      time_range_from: from,
      time_range_to: to,
      type: input.type,
    }
  }
}

/** Buckets of `size` ms, aligned on multiples of it (UTC), that cover from..to. */
function bucketCount(from: number, to: number, size: number): number {
  return Math.floor(to / size) - Math.floor(from / size) + 1
}

/** The smallest bucket size that gives at most AUTO_BUCKETS buckets (else the largest). */
export function chooseBucket(from: number, to: number): BucketSize {
  const names = Object.keys(BUCKET_SIZES) as BucketSize[]
  return names.find((b) => bucketCount(from, to, BUCKET_SIZES[b]) <= AUTO_BUCKETS) ?? names.at(-1)!
}

function sum<K extends string>(rows: ReadonlyArray<Record<K, number | string>>, key: K): number {
  return rows.reduce((t, r) => t + (r[key] as number), 0)
}
