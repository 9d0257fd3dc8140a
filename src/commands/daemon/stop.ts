import { BaseCommand } from '../../cli/base-command.js'
import { readLiveState, stopProcess } from '../../cli/daemon-process.js'
import { resolvePaths } from '../../shared/paths.js'

export interface DaemonStopResult {
  stopped: boolean
  pid: number | null
  how?: 'stopped' | 'killed'
}

export default class DaemonStop extends BaseCommand {
  static override summary = 'Stop the background Ledger daemon.'
  static override description =
    'Sends SIGTERM and waits for a clean shutdown (SIGKILL after 10 s). Not running is not an error.'
  static override examples = ['<%= config.bin %> <%= command.id %>']

  async run(): Promise<DaemonStopResult> {
    await this.parse(DaemonStop)
    const state = readLiveState(resolvePaths().data)
    if (!state) {
      this.log('Ledger daemon is not running')
      return { stopped: false, pid: null }
    }
    const how = await stopProcess(state.pid)
    this.log(
      how === 'stopped'
        ? `Ledger daemon stopped (pid ${state.pid})`
        : `Ledger daemon did not stop in time; killed pid ${state.pid}`,
    )
    return { stopped: true, pid: state.pid, how }
  }
}
