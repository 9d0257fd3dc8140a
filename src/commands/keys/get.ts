import { Args } from '@oclif/core'
import { getKey } from '../../cli/actions/keys.js'
import { keyIdArg } from '../../cli/flags/key-id.js'
import { renderKey } from '../../cli/output/resources.js'
import { renderTable } from '../../cli/output/table.js'
import { pagerFlag, utcFlag } from '../../cli/flags/output.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import type { ApiKeyDetail } from '../../contract/api-keys.js'

export default class KeysGet extends ApiCommand {
  static override summary = 'Show an API key and its latest calls.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12', '<%= config.bin %> <%= command.id %> 12 --json']
  static override args = { id: Args.string({ description: 'Id of the key.', required: true, ignoreStdin: true }) }

  static override flags = { ...utcFlag, ...pagerFlag }

  async run(): Promise<ApiKeyDetail> {
    const { args, flags } = await this.parse(KeysGet)
    const times = this.times(flags)
    this.page(flags)
    const key = await getKey(this.session, keyIdArg(args.id))
    this.log(renderKey(key, times))
    if (key.usage.length > 0) {
      this.log('')
      this.log(
        renderTable(key.usage, [
          { header: 'WHEN', get: (u) => times.ago(u.created_at) },
          { header: 'METHOD', get: (u) => u.method },
          { header: 'ENDPOINT', get: (u) => u.endpoint },
          { header: 'STATUS', get: (u) => u.status_code, align: 'right' },
          { header: 'TIME', get: (u) => `${(u.response_time * 1000).toFixed(1)} ms`, align: 'right' },
        ]),
      )
    }
    const older = key.usage_count - key.usage.length
    if (key.usage.length > 0 && older > 0) this.note(`${older} more calls — \`ledger keys metrics ${key.id}\` counts them over time.`)
    return key
  }
}
