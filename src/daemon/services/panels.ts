import { randomBytes } from 'node:crypto'
import type { z } from 'zod'
import type { Success } from '../../contract/common.js'
import type { Panel, PanelInputSchema, PanelList } from '../../contract/panels.js'
import { formatTimestamp, parseTimestamp } from '../../shared/time.js'
import {
  deletePanel,
  findPanel,
  insertPanel,
  listPanels,
  type PanelFields,
  type PanelRow,
  updatePanel,
} from '../db/panels.js'
import { findProjectById, findProjectBySlug } from '../db/projects.js'
import { badRequest, notFound } from '../errors.js'
import type { ServiceContext } from './context.js'

const CACHE_TTL_MS = 5 * 60 * 1000

function toPanel(row: PanelRow): Panel {
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

  constructor(private readonly ctx: ServiceContext) {}

  list(accountId: number): PanelList {
    const hit = this.cache.get(accountId)
    const now = this.ctx.now()
    if (hit && hit.until > now) return hit.value
    const panels = listPanels(this.ctx.db, accountId).map(toPanel)
    const value = { panels, total: panels.length }
    this.cache.set(accountId, { until: now + CACHE_TTL_MS, value })
    return value
  }

  get(accountId: number, panelId: string): PanelRow {
    const row = findPanel(this.ctx.db, accountId, panelId)
    if (!row) throw notFound('Panel not found')
    return row
  }

  create(accountId: number, input: z.output<typeof PanelInputSchema>): Panel {
    const fields = this.fields(accountId, input)
    const id = `panel_${randomBytes(8).toString('hex')}`
    insertPanel(this.ctx.db, { id, account_id: accountId, created_at: this.ctx.now(), ...fields })
    this.cache.delete(accountId)
    return toPanel({ id, account_id: accountId, created_at: 0, ...fields })
  }

  update(accountId: number, panelId: string, input: z.output<typeof PanelInputSchema>): Panel {
    const fields = this.fields(accountId, input)
    if (!updatePanel(this.ctx.db, accountId, panelId, fields)) throw notFound('Panel not found')
    this.cache.delete(accountId)
    return toPanel({ id: panelId, account_id: accountId, created_at: 0, ...fields })
  }

  delete(accountId: number, panelId: string): Success {
    if (!deletePanel(this.ctx.db, accountId, panelId)) throw notFound('Panel not found')
    this.cache.delete(accountId)
    return { success: true, message: `Panel ${panelId} deleted successfully` }
  }

  /** Validates what the schema cannot: the project belongs to the account, and from ≤ to. */
  private fields(accountId: number, input: z.output<typeof PanelInputSchema>): PanelFields {
    const from = parseTimestamp(input.time_range_from)!
    const to = parseTimestamp(input.time_range_to)!
    if (from > to) throw badRequest('time_range_from must not be after time_range_to')
    const ref = input.project_id.toLowerCase()
    const byId = /^[1-9][0-9]{0,15}$/.test(ref) ? findProjectById(this.ctx.db, Number(ref)) : undefined
    const project =
      byId && byId.account_id === accountId ? byId : findProjectBySlug(this.ctx.db, accountId, ref)
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
