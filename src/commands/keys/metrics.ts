import { Args, Flags } from '@oclif/core'
import { keyMetrics } from '../../cli/actions/keys.js'
import { keyIdArg } from '../../cli/flags/key-id.js'
import { parseRange } from '../../cli/flags/time.js'
import { renderTable } from '../../cli/output/table.js'
import { utcFlag } from '../../cli/flags/output.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import type { Metrics } from '../../contract/api-keys.js'
import { sparkline } from '../../shared/format.js'

export default class KeysMetrics extends ApiCommand {
  static override summary = "Show an API key's allowed and throttled requests over time."
  static override description = 'Per minute for ranges up to a day, per hour beyond (at most 90 days).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12',
    '<%= config.bin %> <%= command.id %> 12 --since 7d --json',
    '<%= config.bin %> <%= command.id %> 12 --since 2026-11-30T00:00:00Z --until 2026-11-30T12:00:00Z',
  ]
  static override args = { id: Args.string({ description: 'Id of the key.', required: true, ignoreStdin: true }) }
  static override flags = {
    since: Flags.string({ description: 'Start: a duration ago (15m, 2h, 7d) or an ISO timestamp.', default: '1h' }),
    until: Flags.string({ description: 'End: a duration ago or an ISO timestamp (default: now).' }),
    ...utcFlag,
  }

  async run(): Promise<Metrics> {
    const { args, flags } = await this.parse(KeysMetrics)
    const id = keyIdArg(args.id)
    const m = await keyMetrics(this.session, id, parseRange(flags.since, flags.until, '1h', this.ctx.now()))
    const times = this.times(flags)
    this.log(`allowed ${m.allowed_count}, throttled ${m.throttled_count}`)
    const busy = m.time_series.filter((p) => p.allowed + p.throttled > 0)
    if (m.time_series.length > 0) {
      this.log(`allowed   ${sparkline(m.time_series.map((p) => p.allowed), m.time_series.length)}`)
      this.log(`throttled ${sparkline(m.time_series.map((p) => p.throttled), m.time_series.length)}`)
    }
    if (busy.length > 0) {
      this.log('')
      this.log(
        renderTable(busy, [
          { header: 'TIME', get: (p) => times.when(p.timestamp) },
          { header: 'ALLOWED', get: (p) => p.allowed, align: 'right' },
          { header: 'THROTTLED', get: (p) => p.throttled, align: 'right' },
        ]),
      )
    }
    return m
  }
}
