import { listPanels } from '../../cli/actions/panels.js'
import { renderTable } from '../../cli/output/table.js'
import { pagerFlag, utcFlag } from '../../cli/flags/output.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import type { PanelList } from '../../contract/panels.js'

export default class PanelsList extends ApiCommand {
  static override summary = 'List your dashboard panels.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static override flags = { ...utcFlag, ...pagerFlag }

  async run(): Promise<PanelList> {
    const { flags } = await this.parse(PanelsList)
    const times = this.times(flags)
    this.page(flags)
    const list = await listPanels(this.session)
    if (list.panels.length === 0) this.log('No panels. Create one with `ledger panels create --name … --type errors --project SLUG`.')
    else
      this.log(
        renderTable(list.panels, [
          { header: 'ID', get: (p) => p.id },
          { header: 'INDEX', get: (p) => p.index, align: 'right' },
          { header: 'NAME', get: (p) => p.name },
          { header: 'TYPE', get: (p) => p.type },
          { header: 'PROJECT', get: (p) => p.project_id },
          { header: 'FROM', get: (p) => times.point(p.time_range_from) },
          { header: 'TO', get: (p) => times.point(p.time_range_to) },
        ]),
      )
    const more = list.total - list.panels.length
    if (more > 0) this.note(`${more} more — the daemon listed ${list.panels.length} of ${list.total}.`)
    return list
  }
}
