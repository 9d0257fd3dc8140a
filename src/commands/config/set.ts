import { Args } from '@oclif/core'
import { CONFIG_KEYS, type ConfigResult, setConfig } from '../../cli/actions/config.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'

export default class ConfigSet extends ApiCommand {
  static override summary = "Set a setting of the profile (project: the default for --project)."
  static override description =
    'project: the project commands use when --project is not given (LEDGER_PROJECT overrides it; an API key in ' +
    'LEDGER_API_KEY or --api-key names its own project). Kept per profile in config.json.'
  static override examples = ['<%= config.bin %> <%= command.id %> project my-app', '<%= config.bin %> <%= command.id %> project billing --profile work']
  static override args = {
    key: Args.string({ description: 'The setting.', options: [...CONFIG_KEYS], required: true, ignoreStdin: true }),
    value: Args.string({ description: 'Its value.', required: true, ignoreStdin: true }),
  }

  async run(): Promise<ConfigResult> {
    const { args } = await this.parse(ConfigSet)
    const r = setConfig(this.ctx.profiles, this.session.target.profile, args.key as 'project', args.value)
    this.log(`${r.key} = ${r.value} (profile ${r.profile})`)
    return r
  }
}
