import { Args } from '@oclif/core'
import { CONFIG_KEYS, type ConfigResult, unsetConfig } from '../../cli/actions/config.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'

export default class ConfigUnset extends ApiCommand {
  static override summary = 'Remove a setting of the profile.'
  static override examples = ['<%= config.bin %> <%= command.id %> project']
  static override args = {
    key: Args.string({ description: 'The setting.', options: [...CONFIG_KEYS], required: true, ignoreStdin: true }),
  }

  async run(): Promise<ConfigResult> {
    const { args } = await this.parse(ConfigUnset)
    const r = unsetConfig(this.ctx.profiles, this.session.target.profile, args.key as 'project')
    this.log(`${r.key} unset (profile ${r.profile})`)
    return r
  }
}
