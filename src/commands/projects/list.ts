import { listProjects } from '../../cli/actions/projects.js'
import { renderTable } from '../../cli/output/table.js'
import { pagerFlag } from '../../cli/flags/output.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import type { ProjectList } from '../../contract/projects.js'

export default class ProjectsList extends ApiCommand {
  static override summary = 'List your projects.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static override flags = { ...pagerFlag }

  async run(): Promise<ProjectList> {
    const { flags } = await this.parse(ProjectsList)
    this.page(flags)
    const list = await listProjects(this.session)
    if (list.projects.length === 0) this.log('No projects yet. Create one with `ledger projects create NAME --slug SLUG`.')
    else
      this.log(
        renderTable(list.projects, [
          { header: 'ID', get: (p) => p.project_id, align: 'right' },
          { header: 'SLUG', get: (p) => p.slug },
          { header: 'NAME', get: (p) => p.name },
          { header: 'ENVIRONMENT', get: (p) => p.environment },
          { header: 'RETENTION', get: (p) => `${p.retention_days}d`, align: 'right' },
          { header: 'DAILY QUOTA', get: (p) => p.daily_quota, align: 'right' },
        ]),
      )
    const more = list.total - list.projects.length
    if (more > 0) this.note(`${more} more — the daemon listed ${list.projects.length} of ${list.total}.`)
    return list
  }
}
