import { Args } from '@oclif/core'
import { updatePanel } from '../../cli/actions/panels.js'
import { panelFlags } from '../../cli/flags/panels.js'
import { renderPanel } from '../../cli/output/resources.js'
import { utcFlag } from '../../cli/flags/output.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import { CliError, EXIT } from '../../cli/runtime/errors.js'
import type { Panel } from '../../contract/panels.js'

export default class PanelsUpdate extends ApiCommand {
  static override summary = 'Change a dashboard panel; flags not given keep their value.'
  static override examples = ['<%= config.bin %> <%= command.id %> panel_0123456789abcdef --name "Errors (7d)" --from 7d']
  static override args = { id: Args.string({ description: 'Id of the panel (panel_…).', required: true, ignoreStdin: true }) }
  static override flags = { ...panelFlags, ...utcFlag }

  async run(): Promise<Panel> {
    const { args, flags: all } = await this.parse(PanelsUpdate)
    const { utc, ...flags } = all
    if (Object.values(flags).every((v) => v === undefined)) {
      throw new CliError('nothing to change', 'Pass --name, --type, --project, --from, --to or --index.', EXIT.usage)
    }
    const panel = await updatePanel(this.session, args.id, flags, this.ctx.now())
    this.log(renderPanel(panel, this.times({ utc })))
    return panel
  }
}
