import { Args, Flags } from '@oclif/core'
import { createProject, slugFromName } from '../../cli/actions/projects.js'
import { parseFlag } from '../../cli/flags/validate.js'
import { renderProject } from '../../cli/output/resources.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import { CreateProjectRequestSchema, ENVIRONMENTS, type Project } from '../../contract/projects.js'

export default class ProjectsCreate extends ApiCommand {
  static override summary = 'Create a project.'
  static override description =
    'The slug (lowercase letters, digits, hyphens) names the project in every other command; without --slug it is made from the name ("My App" → my-app).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> "My App"',
    '<%= config.bin %> <%= command.id %> "My App" --slug app',
    '<%= config.bin %> <%= command.id %> "Billing" --slug billing --environment staging --json',
  ]

  static override args = { name: Args.string({ description: 'Display name of the project.', required: true, ignoreStdin: true }) }
  static override flags = {
    slug: Flags.string({ description: 'URL-safe identifier, unique in your account (default: made from the name).' }),
    environment: Flags.option({ description: 'Environment of the project.', options: ENVIRONMENTS })(),
  }

  async run(): Promise<Project> {
    const { args, flags } = await this.parse(ProjectsCreate)
    const body = parseFlag('project', CreateProjectRequestSchema, {
      name: args.name,
      slug: flags.slug ?? slugFromName(args.name),
      environment: flags.environment,
    })
    const project = await createProject(this.session, body)
    this.log(renderProject(project))
    return project
  }
}
