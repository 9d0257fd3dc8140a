import { Flags } from '@oclif/core'
import { daemonLogs } from '../../cli/actions/daemon.js'
import { BaseCommand } from '../../cli/runtime/base-command.js'

export default class DaemonLogs extends BaseCommand {
  static override summary = "Print the background daemon's log."
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -n 100 --follow',
  ]
  static override enableJsonFlag = false

  static override flags = {
    lines: Flags.integer({
      char: 'n',
      description: 'How many of the last lines to print.',
      default: 50,
      min: 0,
    }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines until Ctrl-C.' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(DaemonLogs)
    const stop = new AbortController()
    const off = this.ctx.signals.on('SIGINT', () => stop.abort())
    try {
      await daemonLogs(this.ctx, { lines: flags.lines, follow: flags.follow, stop: stop.signal })
    } finally {
      off()
    }
  }
}
