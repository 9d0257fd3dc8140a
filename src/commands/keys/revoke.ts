import { Args } from '@oclif/core'
import { revokeKey } from '../../cli/actions/keys.js'
import { keyIdArg } from '../../cli/flags/key-id.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import type { Success } from '../../contract/common.js'

export default class KeysRevoke extends ApiCommand {
  static override summary = 'Revoke an API key for good.'
  static override description = 'Requests with it get 401 from then on. If the CLI had stored this key for its project, that copy is removed.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12']
  static override args = { id: Args.string({ description: 'Id of the key.', required: true, ignoreStdin: true }) }

  async run(): Promise<Success> {
    const { args } = await this.parse(KeysRevoke)
    const { result, forgotten } = await revokeKey(this.session, keyIdArg(args.id))
    if (forgotten) this.logToStderr(`Removed the stored copy of this key for project '${forgotten}'.`)
    this.log(result.message)
    return result
  }
}
