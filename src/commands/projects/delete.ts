import { Args, Flags } from '@oclif/core'
import { projectToDelete } from '../../cli/actions/projects.js'
import { confirm } from '../../cli/output/prompt.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'

export interface ProjectDeleteResult {
  deleted: true
  project_id: number
  slug: string
}

export default class ProjectsDelete extends ApiCommand {
  static override summary = 'Delete a project with its logs, API keys and panels.'
  static override description =
    'Cannot be undone. On a terminal it asks first; elsewhere (scripts, CI) --yes is required.'
  static override examples = ['<%= config.bin %> <%= command.id %> my-app', '<%= config.bin %> <%= command.id %> my-app --yes']

  static override args = { project: Args.string({ description: 'Slug (or id) of the project.', required: true, ignoreStdin: true }) }
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'Delete without asking.' }),
  }

  async run(): Promise<ProjectDeleteResult> {
    const { args, flags } = await this.parse(ProjectsDelete)
    const { project, remove } = await projectToDelete(this.session, args.project)
    await confirm(this.ctx.io, `Delete project '${project.slug}' (id ${project.project_id}) with all its logs, API keys and panels?`, flags.yes)
    await remove()
    this.log(`Deleted project '${project.slug}'.`)
    return { deleted: true, project_id: project.project_id, slug: project.slug }
  }
}
