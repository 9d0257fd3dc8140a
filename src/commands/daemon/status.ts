import { BaseCommand } from '../../cli/base-command.js'
import { readLiveState } from '../../cli/daemon-process.js'
import { LedgerClient } from '../../client/index.js'
import { formatDuration } from '../../shared/format.js'
import { dataFiles, resolvePaths } from '../../shared/paths.js'

export interface DaemonStatusResult {
  running: boolean
  pid: number | null
  url: string | null
  started_at: string | null
  uptime_seconds: number | null
  healthy: boolean
  data_dir: string
  log_file: string
}


export default class DaemonStatus extends BaseCommand {
  static override summary = 'Say whether the Ledger daemon runs, where, and since when.'
  static override description = 'Exits 0 when the daemon is running and answers, 1 otherwise.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  async run(): Promise<DaemonStatusResult> {
    await this.parse(DaemonStatus)
    const { data } = resolvePaths()
    const files = dataFiles(data)
    const state = readLiveState(data)
    let healthy = false
    if (state) {
      const client = new LedgerClient({ baseUrl: state.url, timeoutMs: 3000 })
      healthy = await client.health().then(
        () => true,
        () => false,
      )
      await client.close()
    }
    const uptime = state ? Math.max(0, Math.round((Date.now() - Date.parse(state.started_at)) / 1000)) : null
    const result: DaemonStatusResult = {
      running: state !== null,
      pid: state?.pid ?? null,
      url: state?.url ?? null,
      started_at: state?.started_at ?? null,
      uptime_seconds: uptime,
      healthy,
      data_dir: data,
      log_file: files.log,
    }
    if (state) {
      this.log(`Ledger daemon is running at ${state.url} (pid ${state.pid})`)
      this.log(
        `  since ${state.started_at} (up ${formatDuration(uptime ?? 0)})${healthy ? '' : ' but does not answer /health'}`,
      )
      this.log(`  data: ${data}`)
    } else {
      this.log(`Ledger daemon is not running (data: ${data})`)
    }
    if (!state || !healthy) process.exitCode = 1
    return result
  }
}
