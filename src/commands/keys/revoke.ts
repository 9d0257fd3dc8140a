import { Args, Flags } from '@oclif/core'
import { revokeKey } from '../../cli/actions/keys.js'
import { keyIdArg } from '../../cli/flags/key-id.js'
import { confirm } from '../../cli/output/prompt.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import type { Success } from '../../contract/common.js'

export default class KeysRevoke extends ApiCommand {
  static override summary = 'Revoke an API key for good.'
  static override description =
    'Requests with it get 401 from then on. If the CLI had stored this key for its project, that copy is removed. ' +
    'On a terminal it asks first; elsewhere (scripts, CI) --yes is required.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12', '<%= config.bin %> <%= command.id %> 12 --yes']
  static override args = { id: Args.string({ description: 'Id of the key.', required: true, ignoreStdin: true }) }
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'Revoke without asking.' }),
  }

  async run(): Promise<Success> {
    const { args, flags } = await this.parse(KeysRevoke)
    const id = keyIdArg(args.id)
    await confirm(this.ctx.io, `Revoke API key ${id}? Requests with it will get 401.`, flags.yes)
    const { result, forgotten } = await revokeKey(this.session, id)
    if (forgotten) this.logToStderr(`Removed the stored copy of this key for project '${forgotten}'.`)
    this.log(result.message)
    return result
  }
}
