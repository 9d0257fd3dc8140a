import { Args } from '@oclif/core'
import { CONFIG_KEYS, type ConfigResult, getConfig } from '../../cli/actions/config.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'

export default class ConfigGet extends ApiCommand {
  static override summary = 'Print a setting of the profile.'
  static override examples = ['<%= config.bin %> <%= command.id %> project']
  static override args = {
    key: Args.string({ description: 'The setting.', options: [...CONFIG_KEYS], required: true, ignoreStdin: true }),
  }

  async run(): Promise<ConfigResult> {
    const { args } = await this.parse(ConfigGet)
    const r = getConfig(this.ctx.profiles, this.session.target.profile, args.key as 'project')
    if (r.value !== null) this.log(r.value)
    else this.logToStderr(`${r.key} is not set (profile ${r.profile})`)
    return r
  }
}
