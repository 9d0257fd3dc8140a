import { Args, Flags } from '@oclif/core'
import chalk from 'chalk'
import { panelData } from '../../cli/actions/panels.js'
import { formatLog, levelColor } from '../../cli/output/log-line.js'
import { pagerFlag, utcFlag } from '../../cli/flags/output.js'
import { sparkWidth } from '../../cli/output/chart.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import { BUCKET_SIZES, type BucketSize, type PanelData } from '../../contract/panels.js'
import { sparkline } from '../../shared/format.js'

const BAR_WIDTH = 40

export default class PanelsShow extends ApiCommand {
  static override summary = "Render a panel's data in the terminal."
  static override description =
    'logs panels: the matching logs, newest first. errors panels: error and critical counts per time bucket, as bars. ' +
    'metrics panels: counts per level per bucket, a sparkline per level. The bucket size is chosen from the time range ' +
    '(at most 100 buckets) unless --bucket sets it.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> panel_0123456789abcdef',
    '<%= config.bin %> <%= command.id %> panel_0123456789abcdef --bucket 1h --json',
  ]
  static override args = { id: Args.string({ description: 'Id of the panel (panel_…).', required: true, ignoreStdin: true }) }
  static override flags = {
    bucket: Flags.option({ description: 'Bucket size for errors and metrics panels.', options: Object.keys(BUCKET_SIZES) as BucketSize[] })(),
    limit: Flags.integer({ description: 'How many logs, for logs panels.', min: 1, max: 1000 }),
    ...utcFlag,
    ...pagerFlag,
  }

  async run(): Promise<PanelData> {
    const { args, flags } = await this.parse(PanelsShow)
    const data = await panelData(this.session, args.id, { bucket: flags.bucket, limit: flags.limit })
    const p = data.panel
    const times = this.times(flags)
    this.page(flags)
    this.log(chalk.bold(`${p.name}`) + chalk.dim(`  ${p.type} · ${p.project_id} · ${times.point(p.time_range_from)} → ${times.point(p.time_range_to)}`))
    if (data.type === 'logs') {
      if (data.logs.length === 0) this.log('No logs in this range.')
      for (const log of data.logs) this.log(formatLog(log, { times }))
      if (data.next_cursor) this.note(`More logs in this range — use --limit (${data.logs.length} shown).`)
    } else if (data.type === 'errors') {
      this.log(`${data.totals.error} errors, ${data.totals.critical} critical · per ${data.bucket}`)
      const max = Math.max(1, ...data.series.map((b) => b.error + b.critical))
      for (const b of data.series) {
        const crit = Math.round((b.critical / max) * BAR_WIDTH)
        const err = Math.round(((b.error + b.critical) / max) * BAR_WIDTH) - crit
        this.log(`${chalk.dim(times.at(b.timestamp))} ${chalk.magenta('█'.repeat(crit))}${chalk.red('█'.repeat(err))} ${b.error + b.critical || ''}`)
      }
    } else {
      this.log(`${data.totals.total} logs · per ${data.bucket}`)
      const levels = ['critical', 'error', 'warning', 'info', 'debug'] as const
      // Fitted to the terminal, after the label and the widest total.
      const totalWidth = Math.max(...levels.map((l) => String(data.totals[l]).length))
      const width = sparkWidth(data.series.length, this.ctx.io.columns(), 9 + 1 + totalWidth)
      for (const level of levels) {
        const values = data.series.map((b) => b[level])
        this.log(`${levelColor(level)(level.padEnd(8))} ${sparkline(values, width)} ${data.totals[level]}`)
      }
      if (data.series.length > 0) this.log(chalk.dim(`         ${times.at(data.series[0]!.timestamp)} … ${times.at(data.series.at(-1)!.timestamp)}`))
    }
    return data
  }
}
