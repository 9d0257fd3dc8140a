import { Args, Flags } from '@oclif/core'
import { updateKey } from '../../cli/actions/keys.js'
import { keyIdArg } from '../../cli/flags/key-id.js'
import { parseFlag } from '../../cli/flags/validate.js'
import { renderKey } from '../../cli/output/resources.js'
import { utcFlag } from '../../cli/flags/output.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import { CliError, EXIT } from '../../cli/runtime/errors.js'
import { type ApiKey, UpdateApiKeyRequestSchema } from '../../contract/api-keys.js'

export default class KeysUpdate extends ApiCommand {
  static override summary = 'Rename, describe, disable or enable an API key.'
  static override description = 'A disabled key is refused (401) until it is enabled again; a revoked key cannot be enabled.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12 --disable',
    '<%= config.bin %> <%= command.id %> 12 --name ci-runner --description "GitHub Actions"',
  ]
  static override args = { id: Args.string({ description: 'Id of the key.', required: true, ignoreStdin: true }) }
  static override flags = {
    name: Flags.string({ description: 'New name.' }),
    description: Flags.string({ description: 'New description.' }),
    enable: Flags.boolean({ description: 'Accept the key again.', exclusive: ['disable'] }),
    disable: Flags.boolean({ description: 'Refuse the key until enabled.', exclusive: ['enable'] }),
    ...utcFlag,
  }

  async run(): Promise<ApiKey> {
    const { args, flags } = await this.parse(KeysUpdate)
    const id = keyIdArg(args.id)
    const body = parseFlag('key', UpdateApiKeyRequestSchema, {
      name: flags.name,
      description: flags.description,
      is_active: flags.enable ? true : flags.disable ? false : undefined,
    })
    if (Object.values(body).every((v) => v === undefined)) {
      throw new CliError('nothing to change', 'Pass --name, --description, --enable or --disable.', EXIT.usage)
    }
    const key = await updateKey(this.session, id, body)
    this.log(renderKey(key, this.times(flags)))
    return key
  }
}
