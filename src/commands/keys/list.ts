import { Flags } from '@oclif/core'
import { listKeys, projectSlugs } from '../../cli/actions/keys.js'
import { keyState } from '../../cli/output/resources.js'
import { renderTable } from '../../cli/output/table.js'
import { pagerFlag, utcFlag } from '../../cli/flags/output.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import type { ApiKeyList } from '../../contract/api-keys.js'

export default class KeysList extends ApiCommand {
  static override summary = 'List your API keys (all of them, or one project\'s).'
  static override description = 'Without --page, every page is fetched. Revoked keys are listed too, marked revoked.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --project my-app --json',
  ]

  static override flags = {
    project: Flags.string({ char: 'p', description: 'Only the keys of this project (slug or id).' }),
    page: Flags.integer({ description: 'One page only (from 1).', min: 1 }),
    size: Flags.integer({ description: 'Keys per page (1-100).', min: 1, max: 100, default: 100 }),
    ...utcFlag,
    ...pagerFlag,
  }

  async run(): Promise<ApiKeyList> {
    const { flags } = await this.parse(KeysList)
    const list = await listKeys(this.session, { project: this.defaultedProject(flags), page: flags.page, size: flags.size })
    this.page(flags)
    if (list.api_keys.length === 0) this.log('No API keys. Create one with `ledger keys create --project SLUG --name NAME`.')
    else {
      const times = this.times(flags)
      const slugs = this.jsonEnabled() ? new Map<number, string>() : await projectSlugs(this.session)
      this.log(
        renderTable(list.api_keys, [
          { header: 'ID', get: (k) => k.id, align: 'right' },
          { header: 'NAME', get: (k) => k.name },
          { header: 'PROJECT', get: (k) => slugs.get(k.project_id) ?? `#${k.project_id}` },
          { header: 'PREFIX', get: (k) => `${k.key_prefix}…` },
          { header: 'SCOPES', get: (k) => k.scopes.join(',') },
          { header: 'STATE', get: (k) => keyState(k) },
          { header: 'LAST USED', get: (k) => times.ago(k.last_used) },
          { header: 'CALLS', get: (k) => k.usage_count, align: 'right' },
        ]),
      )
    }
    // One page (--page) of more: how many the other pages hold.
    const after = list.total - (list.page - 1) * flags.size - list.api_keys.length
    if (flags.page && after > 0) this.note(`${after} more — use --page ${flags.page + 1}, or leave --page out for all.`)
    return list
  }
}
