import { Flags } from '@oclif/core'
import { followLogs, latestLogs } from '../cli/actions/logs.js'
import { readAccess } from '../cli/actions/project-access.js'
import { logFilterFlags, logQuery, queryArg } from '../cli/flags/log-filters.js'
import { formatLog } from '../cli/output/log-line.js'
import { pagerFlag, utcFlag } from '../cli/flags/output.js'
import { ApiCommand } from '../cli/runtime/base-command.js'
import type { Log } from '../contract/ingest.js'

export default class Tail extends ApiCommand {
  static override summary = "Show a project's latest logs, oldest first; with -f, follow new ones as they arrive."
  static override description =
    'With -f, logs stream live from the daemon (server-sent events) as soon as they are processed. When the connection ' +
    'drops (the daemon restarts, or this reader fell behind), it reconnects by itself and resumes right after the last ' +
    'log shown, with no gap and no repeat. When the daemon ends it because the credential stopped being valid (a ' +
    'revoked, disabled or expired key, a logout), it says why and exits 4. Ctrl-C stops it. With --json, one log per ' +
    'line (NDJSON).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --project my-app',
    '<%= config.bin %> <%= command.id %> -f --project my-app --level error,critical',
    '<%= config.bin %> <%= command.id %> -f "payment*" --project my-app --json | jq -r .message',
  ]
  static override args = queryArg
  static override flags = {
    ...logFilterFlags,
    follow: Flags.boolean({ char: 'f', description: 'Keep following new logs until Ctrl-C.' }),
    lines: Flags.integer({ char: 'n', description: 'How many recent logs to show first.', default: 10, min: 0, max: 1000 }),
    stacks: Flags.boolean({ description: 'Show stack traces under their logs.' }),
    ...utcFlag,
    ...pagerFlag,
  }

  /** Aborted by Ctrl-C while following: the follow ends (exit 130). */
  private following: AbortController | null = null

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Tail)
    const filters = logQuery(args.query, flags, this.ctx.now())
    const source = await readAccess(this.session, { project: this.defaultedProject(flags), apiKey: flags['api-key'] })
    const { stdout, stderr } = this.ctx.io
    const json = this.jsonEnabled()
    const times = this.times(flags)
    // Through the pager for the backlog alone (see page()); a follow writes straight.
    const print = (log: Log) =>
      json ? stdout.write(`${JSON.stringify(log)}\n`) : this.write(`${formatLog(log, { stacks: flags.stacks, times })}\n`)
    if (!flags.follow) {
      this.page(flags)
      for (const log of await latestLogs(source, filters, flags.lines)) print(log)
      return
    }
    this.following = new AbortController()
    await followLogs(source, filters, {
      backlog: flags.lines,
      print,
      note: (m) => stderr.write(`${m}\n`),
      signal: this.following.signal,
    })
  }

  protected override interrupted(): void {
    if (this.following) this.following.abort()
    else super.interrupted()
  }
}
