import { Flags } from '@oclif/core'
import { PANEL_TYPES, type Panel, type PanelInput, PanelInputSchema } from '../../contract/panels.js'
import { formatTimestamp } from '../../shared/time.js'
import { parseTimeFlag } from './time.js'
import { parseFlag } from './validate.js'

/** The flags shared by `panels create` and `panels update`. */
export const panelFlags = {
  name: Flags.string({ description: 'Name of the panel.' }),
  type: Flags.option({ description: 'What the panel shows.', options: PANEL_TYPES })(),
  project: Flags.string({ char: 'p', description: 'Slug (or id) of the project the panel reads.' }),
  from: Flags.string({ description: 'Start of its time range: an ISO timestamp or a duration ago (24h, 7d).' }),
  to: Flags.string({ description: 'End of its time range: an ISO timestamp, a duration ago, or now.' }),
  index: Flags.integer({ description: 'Position on the dashboard (from 0).' }),
}

export type PanelFlagValues = { [K in keyof typeof panelFlags]?: string | number | undefined }

/** A full panel body from the flags laid over `base` (the current panel, for updates). */
export function panelBody(flags: PanelFlagValues, base: Partial<Panel>, now = Date.now()): PanelInput {
  const time = (flag: '--from' | '--to', v: unknown) =>
    typeof v === 'string' ? formatTimestamp(parseTimeFlag(flag, v, now)) : undefined
  return parseFlag('panel', PanelInputSchema, {
    name: flags.name ?? base.name,
    type: flags.type ?? base.type,
    project_id: flags.project ?? base.project_id,
    time_range_from: time('--from', flags.from) ?? base.time_range_from,
    time_range_to: time('--to', flags.to) ?? base.time_range_to,
    index: flags.index ?? base.index,
  }, { project_id: '--project', time_range_from: '--from', time_range_to: '--to' })
}
