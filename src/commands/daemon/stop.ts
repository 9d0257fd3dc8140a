import { type DaemonStopResult, stopDaemon } from '../../cli/actions/daemon.js'
import { BaseCommand } from '../../cli/runtime/base-command.js'

export default class DaemonStop extends BaseCommand {
  static override summary = 'Stop the background Ledger daemon.'
  static override description =
    'Sends SIGTERM and waits for a clean shutdown (SIGKILL after 10 s). Not running is not an error.'
  static override examples = ['<%= config.bin %> <%= command.id %>']

  async run(): Promise<DaemonStopResult> {
    await this.parse(DaemonStop)
    const r = await stopDaemon(this.ctx)
    if (!r.stopped) this.log('Ledger daemon is not running')
    else if (r.how === 'stopped') this.log(`Ledger daemon stopped (pid ${r.pid})`)
    else this.log(`Ledger daemon did not stop in time; killed pid ${r.pid}`)
    return r
  }
}
