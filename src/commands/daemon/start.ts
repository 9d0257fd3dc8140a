import { join } from 'node:path'
import { BaseCommand } from '../../cli/base-command.js'
import { daemonServerFlags } from '../../cli/daemon-flags.js'
import { readLiveState, startDetached } from '../../cli/daemon-process.js'
import { CliError } from '../../cli/errors.js'
import { dataFiles, resolvePaths } from '../../shared/paths.js'

export interface DaemonStartResult {
  started: boolean
  pid: number
  url: string
  log_file: string
}

export default class DaemonStart extends BaseCommand {
  static override summary = 'Start the Ledger daemon in the background.'
  static override description =
    'Starts `ledger daemon run` detached, with its log appended to daemon.log in the data dir.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 9000',
  ]

  static override flags = daemonServerFlags

  async run(): Promise<DaemonStartResult> {
    const { flags } = await this.parse(DaemonStart)
    const { data } = resolvePaths()
    const log = dataFiles(data).log
    const running = readLiveState(data)
    if (running) {
      this.log(`Ledger daemon is already running at ${running.url} (pid ${running.pid})`)
      return { started: false, pid: running.pid, url: running.url, log_file: log }
    }
    const args = ['--port', String(flags.port), '--host', flags.host]
    if (flags.durability) args.push('--durability', flags.durability)
    if (flags['queue-capacity']) args.push('--queue-capacity', String(flags['queue-capacity']))
    if (flags['max-tails-per-key']) args.push('--max-tails-per-key', String(flags['max-tails-per-key']))
    if (flags['max-tails-per-account']) args.push('--max-tails-per-account', String(flags['max-tails-per-account']))
    try {
      const state = await startDetached({
        dataDir: data,
        binPath: join(this.config.root, 'bin', 'run.js'),
        args,
        env: process.env,
      })
      this.log(`Ledger daemon started at ${state.url} (pid ${state.pid}); log: ${log}`)
      return { started: true, pid: state.pid, url: state.url, log_file: log }
    } catch (err) {
      throw new CliError(`could not start the daemon: ${(err as Error).message}`, `See the log: ${log}`)
    }
  }
}
