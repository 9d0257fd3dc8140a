import { Flags } from '@oclif/core'
import { searchLogs } from '../cli/actions/logs.js'
import { readAccess } from '../cli/actions/project-access.js'
import { logFilterFlags, logQuery, queryArg } from '../cli/flags/log-filters.js'
import { formatLog } from '../cli/output/log-line.js'
import { pagerFlag, utcFlag } from '../cli/flags/output.js'
import { ApiCommand } from '../cli/runtime/base-command.js'

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
    all: Flags.boolean({ description: 'Every matching log (no --limit).', exclusive: ['limit'] }),
    stacks: Flags.boolean({ description: 'Show stack traces under their logs.' }),
    ...utcFlag,
    ...pagerFlag,
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs)
    const filters = logQuery(args.query, flags, this.ctx.now())
    const source = await readAccess(this.session, { project: this.defaultedProject(flags), apiKey: flags['api-key'] })
    const json = this.jsonEnabled()
    const times = this.times(flags)
    const { stdout } = this.ctx.io
    this.page(flags)
    const limit = flags.all ? Number.POSITIVE_INFINITY : flags.limit
    const { printed, more } = await searchLogs(source, filters, limit, (log) =>
      json ? stdout.write(`${JSON.stringify(log)}\n`) : this.write(`${formatLog(log, { stacks: flags.stacks, times })}\n`),
    )
    if (printed === 0) this.note('No logs match.')
    // The search answers a page at a time, not a count: more match, how many is not known.
    else if (more) this.note(`More logs match — use --limit or --all (${printed} shown).`)
  }
}
