import { Args, Flags } from '@oclif/core'
import { updateProject } from '../../cli/actions/projects.js'
import { parseFlag } from '../../cli/flags/validate.js'
import { renderProject } from '../../cli/output/resources.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import { CliError, EXIT } from '../../cli/runtime/errors.js'
import { ENVIRONMENTS, type Project, UpdateProjectRequestSchema } from '../../contract/projects.js'

export default class ProjectsUpdate extends ApiCommand {
  static override summary = "Change a project's name, environment, retention or daily quota."
  static override examples = [
    '<%= config.bin %> <%= command.id %> my-app --retention-days 7',
    '<%= config.bin %> <%= command.id %> my-app --daily-quota 5000000 --environment staging',
  ]
  static override args = { project: Args.string({ description: 'Slug or id of the project.', required: true, ignoreStdin: true }) }
  static override flags = {
    name: Flags.string({ description: 'New display name.' }),
    environment: Flags.option({ description: 'New environment.', options: ENVIRONMENTS })(),
    'retention-days': Flags.integer({ description: 'Days logs are kept (1-3650).' }),
    'daily-quota': Flags.integer({ description: 'Logs accepted per UTC day.' }),
  }

  async run(): Promise<Project> {
    const { args, flags } = await this.parse(ProjectsUpdate)
    const body = parseFlag('project', UpdateProjectRequestSchema, {
      name: flags.name,
      environment: flags.environment,
      retention_days: flags['retention-days'],
      daily_quota: flags['daily-quota'],
    })
    if (Object.values(body).every((v) => v === undefined)) {
      throw new CliError('nothing to change', 'Pass --name, --environment, --retention-days or --daily-quota.', EXIT.usage)
    }
    const updated = await updateProject(this.session, args.project, body)
    this.log(renderProject(updated))
    return updated
  }
}
