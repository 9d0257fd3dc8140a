import { Flags } from '@oclif/core'
import { ApiCommand } from '../cli/base-command.js'
import { logFilterFlags, logQuery, queryArg } from '../cli/log-filters.js'
import { formatLog } from '../cli/log-format.js'
import type { Log } from '../contract/ingest.js'

export default class Logs extends ApiCommand {
  static override summary = 'Search a project\'s logs, newest first.'
  static override description =
    'QUERY is full-text over message, error type/message and stack trace: words (all must match), prefixes (time*), ' +
    '"exact phrases", AND, OR, NOT and parentheses. With --json, prints one log per line (NDJSON) for jq.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --project my-app',
    '<%= config.bin %> <%= command.id %> "connection refused" --project my-app --level error,critical --since 1h',
    '<%= config.bin %> <%= command.id %> "timeout OR time*" --project my-app --attr user_id=42 --json | jq .message',
  ]
  static override args = queryArg
  static override flags = {
    ...logFilterFlags,
    since: Flags.string({ description: 'Only logs from then on: a duration ago (15m, 2h, 7d) or an ISO timestamp.' }),
    until: Flags.string({ description: 'Only logs before then: a duration ago or an ISO timestamp.' }),
    limit: Flags.integer({ description: 'How many logs at most.', default: 100, min: 1, max: 1_000_000 }),
    stacks: Flags.boolean({ description: 'Show stack traces under their logs.' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs)
    const filters = logQuery(args.query, flags)
    const { client, query } = await this.session.readAccess({ project: flags.project, apiKey: flags['api-key'] })
    let printed = 0
    let cursor: string | undefined
    do {
      const page = await client.logs({ ...query, ...filters, limit: Math.min(1000, flags.limit - printed), cursor })
      for (const log of page.logs) this.print(log, flags.stacks)
      printed += page.logs.length
      cursor = page.next_cursor ?? undefined
    } while (cursor && printed < flags.limit)
    if (printed === 0 && !this.jsonEnabled()) process.stderr.write('No logs match.\n')
  }

  private print(log: Log, stacks: boolean): void {
    process.stdout.write(`${this.jsonEnabled() ? JSON.stringify(log) : formatLog(log, { stacks })}\n`)
  }
}
