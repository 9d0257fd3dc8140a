import { join } from 'node:path'
import { type DaemonStartResult, startDaemon } from '../../cli/actions/daemon.js'
import { daemonServerFlags, serverFlagsToArgs, serverFlagsToEnv } from '../../cli/flags/daemon-server.js'
import { BaseCommand } from '../../cli/runtime/base-command.js'

export default class DaemonStart extends BaseCommand {
  static override summary = 'Start the Ledger daemon in the background.'
  static override description =
    'Starts `ledger daemon run` detached, with its log appended to daemon.log in the data dir.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 9000',
    'LEDGER_DATABASE_URL=postgres://ledger:secret@db.internal/ledger <%= config.bin %> <%= command.id %>',
  ]

  static override flags = daemonServerFlags

  async run(): Promise<DaemonStartResult> {
    const { flags } = await this.parse(DaemonStart)
    const r = await startDaemon(
      this.ctx,
      join(this.config.root, 'bin', 'run.js'),
      serverFlagsToArgs(flags),
      serverFlagsToEnv(flags),
    )
    this.log(
      r.started
        ? `Ledger daemon started at ${r.url} (pid ${r.pid}); log: ${r.log_file}`
        : `Ledger daemon is already running at ${r.url} (pid ${r.pid})`,
    )
    return r
  }
}
