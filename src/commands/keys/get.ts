import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { renderTable } from '../../cli/output.js'
import { renderKey } from '../../cli/render.js'
import type { ApiKeyDetail } from '../../contract/api-keys.js'
import { keyIdArg } from '../../cli/key-arg.js'

export default class KeysGet extends ApiCommand {
  static override summary = 'Show an API key and its latest calls.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12', '<%= config.bin %> <%= command.id %> 12 --json']
  static override args = { id: Args.string({ description: 'Id of the key.', required: true }) }

  async run(): Promise<ApiKeyDetail> {
    const { args } = await this.parse(KeysGet)
    const id = keyIdArg(args.id)
    const key = await (await this.accountClient()).getApiKey(id)
    this.log(renderKey(key))
    if (key.usage.length > 0) {
      this.log('')
      this.log(
        renderTable(key.usage, [
          { header: 'WHEN', get: (u) => u.created_at },
          { header: 'METHOD', get: (u) => u.method },
          { header: 'ENDPOINT', get: (u) => u.endpoint },
          { header: 'STATUS', get: (u) => u.status_code, align: 'right' },
          { header: 'TIME', get: (u) => `${(u.response_time * 1000).toFixed(1)} ms`, align: 'right' },
        ]),
      )
    }
    return key
  }
}
