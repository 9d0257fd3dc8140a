import { Flags } from '@oclif/core'
import { health, healthExitCode } from '../cli/actions/health.js'
import { ApiCommand } from '../cli/runtime/base-command.js'
import type { DeepHealth, Health } from '../contract/health.js'

export default class HealthCommand extends ApiCommand {
  static override summary = "Check the daemon's health."
  static override description =
    'Exits 0 when healthy, 1 when degraded, unhealthy (a full disk, a deleted database file: the reason is printed) or ' +
    'not reachable. --deep reports the daemon that answered (instance: hostname:port), the database, storage, the ' +
    'ingestion queue and worker, the rate limiter (shared in Redis or per instance), Redis, live tails and the daemon log.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --deep --json']
  static override flags = { deep: Flags.boolean({ description: 'Check every dependency, with figures.' }) }

  async run(): Promise<Health | DeepHealth> {
    const { flags } = await this.parse(HealthCommand)
    const h = await health(this.session, flags.deep)
    this.log(`${this.session.target.url}: ${h.status}`)
    if ('instance' in h && h.instance) {
      // Behind a load balancer: which of the daemons answered.
      const { id, ...figures } = h.instance
      this.log(`  instance: ${id}  ${figureText(figures)}`)
    }
    if ('services' in h) {
      for (const [name, detail] of Object.entries(h.services)) {
        const { status, ...figures } = detail as { status?: string } & Record<string, unknown>
        this.log(`  ${name}: ${status ?? '?'}  ${figureText(figures)}`)
      }
    }
    this.setExitCode(healthExitCode(h))
    return h
  }
}

/** `key=value` pairs; nested figures get dotted keys (`wal.wal_frames=52`). */
function figureText(figures: Record<string, unknown>, prefix = ''): string {
  return Object.entries(figures)
    .map(([k, v]) =>
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? figureText(v as Record<string, unknown>, `${prefix}${k}.`)
        : `${prefix}${k}=${Array.isArray(v) ? v.join(',') : String(v)}`,
    )
    .join(' ')
}
