import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { keyIdArg } from '../../cli/key-arg.js'
import { accountNames } from '../../cli/credentials.js'
import type { Success } from '../../contract/common.js'

export default class KeysRevoke extends ApiCommand {
  static override summary = 'Revoke an API key for good.'
  static override description = 'Requests with it get 401 from then on. If the CLI had stored this key for its project, that copy is removed.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12']
  static override args = { id: Args.string({ description: 'Id of the key.', required: true }) }

  async run(): Promise<Success> {
    const { args } = await this.parse(KeysRevoke)
    const id = keyIdArg(args.id)
    const client = await this.accountClient()
    const key = await client.getApiKey(id)
    const result = await client.revokeApiKey(id)
    const project = (await client.me()).projects.find((p) => p.project_id === key.project_id)
    if (project) {
      const { url, profile } = this.target
      const stored = await this.session.store.get(accountNames.projectKey(url, profile, project.slug))
      if (stored?.value.startsWith(key.key_prefix)) {
        await this.session.forgetProjectKey(project)
        this.logToStderr(`Removed the stored copy of this key for project '${project.slug}'.`)
      }
    }
    this.log(result.message)
    return result
  }
}
