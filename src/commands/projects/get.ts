import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { renderProject } from '../../cli/render.js'
import { findProject } from '../../cli/session.js'
import type { Project } from '../../contract/projects.js'

export default class ProjectsGet extends ApiCommand {
  static override summary = 'Show one project.'
  static override examples = ['<%= config.bin %> <%= command.id %> my-app', '<%= config.bin %> <%= command.id %> 3 --json']
  static override args = { project: Args.string({ description: 'Slug or id of the project.', required: true }) }

  async run(): Promise<Project> {
    const { args } = await this.parse(ProjectsGet)
    const project = await findProject(await this.accountClient(), args.project.toLowerCase())
    this.log(renderProject(project))
    return project
  }
}
