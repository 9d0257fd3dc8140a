import { Args, Flags } from '@oclif/core'
import chalk from 'chalk'
import { keyMetrics } from '../../cli/actions/keys.js'
import { keyIdArg } from '../../cli/flags/key-id.js'
import { parseRange } from '../../cli/flags/time.js'
import { pointsPerChar, spanText, sparkWidth } from '../../cli/output/chart.js'
import { renderTable } from '../../cli/output/table.js'
import { pagerFlag, utcFlag } from '../../cli/flags/output.js'
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
    ...pagerFlag,
  }

  async run(): Promise<Metrics> {
    const { args, flags } = await this.parse(KeysMetrics)
    const id = keyIdArg(args.id)
    const m = await keyMetrics(this.session, id, parseRange(flags.since, flags.until, '1h', this.ctx.now()))
    const times = this.times(flags)
    this.page(flags)
    this.log(`allowed ${m.allowed_count}, throttled ${m.throttled_count}`)
    const busy = m.time_series.filter((p) => p.allowed + p.throttled > 0)
    const series = m.time_series
    if (series.length > 0) {
      // Fitted to the terminal: each character sums a run of buckets when they do not fit.
      const columns = this.ctx.io.columns()
      const width = sparkWidth(series.length, columns, 10)
      this.log(`allowed   ${sparkline(series.map((p) => p.allowed), width)}`)
      this.log(`throttled ${sparkline(series.map((p) => p.throttled), width)}`)
      const bucketMs = series.length > 1 ? Date.parse(series[1]!.timestamp) - Date.parse(series[0]!.timestamp) : 0
      const per = bucketMs > 0 ? `, ${spanText(bucketMs * pointsPerChar(series.length, width))} a character` : ''
      this.log(chalk.dim(`          ${times.when(series[0]!.timestamp)} … ${times.when(series.at(-1)!.timestamp)}${per}`))
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
