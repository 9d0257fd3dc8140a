import { Flags } from '@oclif/core'
import { createPanel } from '../../cli/actions/panels.js'
import { panelFlags } from '../../cli/flags/panels.js'
import { renderPanel } from '../../cli/output/resources.js'
import { utcFlag } from '../../cli/flags/output.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import { PANEL_TYPES, type Panel } from '../../contract/panels.js'

export default class PanelsCreate extends ApiCommand {
  static override summary = 'Create a dashboard panel.'
  static override description = 'Types: logs (matching logs), errors (error/critical counts over time), metrics (counts per level over time).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --name "API errors" --type errors --project my-app --from 24h --to now',
    '<%= config.bin %> <%= command.id %> --name Traffic --type metrics --project my-app --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z',
  ]
  static override flags = {
    ...panelFlags,
    name: Flags.string({ description: 'Name of the panel.', required: true }),
    type: Flags.option({ description: 'What the panel shows.', options: PANEL_TYPES, required: true })(),
    project: Flags.string({ char: 'p', description: 'Slug (or id) of the project the panel reads.', required: true }),
    from: Flags.string({ description: 'Start of its time range: an ISO timestamp or a duration ago.', default: '24h' }),
    to: Flags.string({ description: 'End of its time range: an ISO timestamp, a duration ago, or now.', default: 'now' }),
    ...utcFlag,
  }

  async run(): Promise<Panel> {
    const { flags } = await this.parse(PanelsCreate)
    const panel = await createPanel(this.session, flags, this.ctx.now())
    this.log(renderPanel(panel, this.times(flags)))
    return panel
  }
}
