import { Args } from '@oclif/core'
import { getProject } from '../../cli/actions/projects.js'
import { renderProject } from '../../cli/output/resources.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import type { Project } from '../../contract/projects.js'

export default class ProjectsGet extends ApiCommand {
  static override summary = 'Show one project.'
  static override examples = ['<%= config.bin %> <%= command.id %> my-app', '<%= config.bin %> <%= command.id %> 3 --json']
  static override args = { project: Args.string({ description: 'Slug or id of the project.', required: true, ignoreStdin: true }) }

  async run(): Promise<Project> {
    const { args } = await this.parse(ProjectsGet)
    const project = await getProject(this.session, args.project)
    this.log(renderProject(project))
    return project
  }
}
