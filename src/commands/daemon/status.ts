import { daemonStatus, daemonStatusExitCode, type DaemonStatusResult } from '../../cli/actions/daemon.js'
import { utcFlag } from '../../cli/flags/output.js'
import { BaseCommand } from '../../cli/runtime/base-command.js'
import { formatDuration } from '../../shared/format.js'

export default class DaemonStatus extends BaseCommand {
  static override summary = 'Say whether the Ledger daemon runs, where, and since when.'
  static override description = 'Exits 0 when the daemon is running and answers, 1 otherwise.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  static override flags = { ...utcFlag }

  async run(): Promise<DaemonStatusResult> {
    const { flags } = await this.parse(DaemonStatus)
    const status = await daemonStatus(this.ctx)
    if (status.running) {
      this.log(`Ledger daemon is running at ${status.url} (pid ${status.pid})`)
      this.log(
        `  since ${status.started_at ? this.times(flags).at(status.started_at) : '?'} (up ${formatDuration(status.uptime_seconds ?? 0)})${status.healthy ? '' : ' but does not answer /health'}`,
      )
      this.log(`  data: ${status.data_dir}`)
      if (status.engine === 'postgres') this.log(`  storage: PostgreSQL, ${status.database}`)
      else this.log(`  storage: SQLite${status.database ? `, ${status.database}` : ''}`)
    } else {
      this.log(`Ledger daemon is not running (data: ${status.data_dir})`)
    }
    this.setExitCode(daemonStatusExitCode(status))
    return status
  }
}
