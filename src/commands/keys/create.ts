import { Flags } from '@oclif/core'
import { createKey, type KeyCreateResult } from '../../cli/actions/keys.js'
import { parseFlag } from '../../cli/flags/validate.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import { CliError, EXIT } from '../../cli/runtime/errors.js'
import { CreateApiKeyRequestSchema } from '../../contract/api-keys.js'

export default class KeysCreate extends ApiCommand {
  static override summary = 'Create an API key for a project; the full key is shown once.'
  static override description =
    'The key is also kept in the OS keychain for its project, so `ledger ingest --project SLUG` finds it later (unless --no-store). ' +
    'Scopes: ingest (ingest, queue depth), read (logs, tail), panels.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --project my-app --name laptop',
    '<%= config.bin %> <%= command.id %> --project my-app --name ci --scopes ingest --expires-in-days 90 --json',
  ]

  static override flags = {
    project: Flags.string({ char: 'p', description: 'Slug or id of the project (default: LEDGER_PROJECT, else the profile\'s `config set project`).' }),
    name: Flags.string({ description: 'Name of the key.', required: true }),
    description: Flags.string({ description: 'What the key is for.' }),
    scopes: Flags.string({ description: 'Comma-separated scopes (default: ingest,read,panels).' }),
    'expires-in-days': Flags.integer({ description: 'Days until the key expires (1-3650; default: never).' }),
    store: Flags.boolean({ description: 'Keep the key in the credential store for its project.', default: true, allowNo: true }),
  }

  async run(): Promise<KeyCreateResult> {
    const { flags } = await this.parse(KeysCreate)
    const body = parseFlag('key', CreateApiKeyRequestSchema, {
      name: flags.name,
      description: flags.description,
      scopes: flags.scopes?.split(',').map((s) => s.trim()).filter(Boolean),
      expires_in_days: flags['expires-in-days'],
    })
    const project = this.defaultedProject(flags)
    if (!project) {
      throw new CliError('which project? pass --project SLUG', 'Or set a default: `ledger config set project SLUG` (or LEDGER_PROJECT).', EXIT.usage)
    }
    const created = await createKey(this.session, { project, body, store: flags.store })
    this.log(created.full_key)
    this.logToStderr(`${created.warning}`)
    if (created.stored_in) {
      this.logToStderr(`Stored in the ${created.stored_in} for project '${created.project_slug}' (used by --project ${created.project_slug}).`)
    }
    return created
  }
}
