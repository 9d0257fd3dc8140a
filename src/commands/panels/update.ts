import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { CliError, EXIT } from '../../cli/errors.js'
import { panelBody, panelFlags } from '../../cli/panel-flags.js'
import { renderPanel } from '../../cli/render.js'
import type { Panel } from '../../contract/panels.js'

export default class PanelsUpdate extends ApiCommand {
  static override summary = 'Change a dashboard panel; flags not given keep their value.'
  static override examples = ['<%= config.bin %> <%= command.id %> panel_0123456789abcdef --name "Errors (7d)" --from 7d']
  static override args = { id: Args.string({ description: 'Id of the panel (panel_…).', required: true }) }
  static override flags = panelFlags

  async run(): Promise<Panel> {
    const { args, flags } = await this.parse(PanelsUpdate)
    if (Object.values(flags).every((v) => v === undefined)) {
      throw new CliError('nothing to change', 'Pass --name, --type, --project, --from, --to or --index.', EXIT.usage)
    }
    const client = await this.accountClient()
    const current = (await client.listPanels()).panels.find((p) => p.id === args.id)
    if (!current) throw new CliError(`no panel '${args.id}'`, 'See `ledger panels list`.')
    const panel = await client.updatePanel(args.id, panelBody(flags, current))
    this.log(renderPanel(panel))
    return panel
  }
}
