import { Flags } from '@oclif/core'
import { daemonLogs } from '../../cli/actions/daemon.js'
import { formatDaemonLogLine } from '../../cli/output/daemon-log.js'
import { pagerFlag, utcFlag } from '../../cli/flags/output.js'
import { BaseCommand } from '../../cli/runtime/base-command.js'
import { Interrupted } from '../../cli/runtime/errors.js'

export default class DaemonLogs extends BaseCommand {
  static override summary = "Print the background daemon's log."
  static override description =
    'Each line in local time (TZ; UTC with --utc) and plain words (2026-12-03 15:04:05 INFO  GET /api/v1/logs 200 3.1ms); --json prints the raw JSON lines. ' +
    'With --follow, Ctrl-C ends it with exit 130, as `tail -f`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -n 100 --follow',
    '<%= config.bin %> <%= command.id %> --json | jq .msg',
  ]
  static override enableJsonFlag = false

  static override flags = {
    lines: Flags.integer({
      char: 'n',
      description: 'How many of the last lines to print.',
      default: 50,
      min: 0,
    }),
    all: Flags.boolean({ description: 'Print the whole log (no -n).', exclusive: ['lines'] }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines until Ctrl-C.' }),
    json: Flags.boolean({ description: 'The raw JSON lines, as the daemon wrote them.' }),
    ...utcFlag,
    ...pagerFlag,
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(DaemonLogs)
    const times = this.times(flags)
    const stop = new AbortController()
    const off = this.ctx.signals.on('SIGINT', () => stop.abort())
    // A follow writes straight; the last lines may be paged.
    if (!flags.follow && !flags.json) this.page(flags)
    let omitted = 0
    try {
      ;({ omitted } = await daemonLogs(this.ctx, {
        lines: flags.all ? Number.POSITIVE_INFINITY : flags.lines,
        write: (text) => this.write(text),
        follow: flags.follow,
        stop: stop.signal,
        format: flags.json ? (line) => line : (line) => formatDaemonLogLine(line, times),
      }))
    } finally {
      off()
    }
    if (omitted > 0 && !flags.follow && !flags.json) this.note(`${omitted} more lines before these — use -n or --all.`)
    if (stop.signal.aborted) throw new Interrupted()
  }
}
