import { Args } from '@oclif/core'
import { deletePanel } from '../../cli/actions/panels.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import type { Success } from '../../contract/common.js'

export default class PanelsDelete extends ApiCommand {
  static override summary = 'Delete a dashboard panel.'
  static override examples = ['<%= config.bin %> <%= command.id %> panel_0123456789abcdef']
  static override args = { id: Args.string({ description: 'Id of the panel (panel_…).', required: true, ignoreStdin: true }) }

  async run(): Promise<Success> {
    const { args } = await this.parse(PanelsDelete)
    const result = await deletePanel(this.session, args.id)
    this.log(result.message)
    return result
  }
}
