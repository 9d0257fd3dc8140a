import { setTimeout as sleep } from 'node:timers/promises'
import { Flags } from '@oclif/core'
import chalk from 'chalk'
import { type QueueResult, queueReader } from '../cli/actions/queue.js'
import { renderTable } from '../cli/output/table.js'
import { utcFlag } from '../cli/flags/output.js'
import { ApiCommand } from '../cli/runtime/base-command.js'
import { Interrupted } from '../cli/runtime/errors.js'

export default class Queue extends ApiCommand {
  static override summary = 'Show ingestion queue depth: logs accepted but not yet indexed.'
  static override description =
    'Logged in: every project of the account (or --project), with its capacity. With an API key (LEDGER_API_KEY, --api-key, ' +
    'or the key stored for --project): that key\'s project. --watch redraws every --interval seconds until Ctrl-C; with --json ' +
    'it prints one JSON object per line.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --project my-app --watch',
    'LEDGER_API_KEY=… <%= config.bin %> <%= command.id %> --json',
  ]
  static override flags = {
    project: Flags.string({ char: 'p', description: 'Only this project (slug).' }),
    'api-key': Flags.string({ description: 'API key to use (prefer LEDGER_API_KEY: argv is visible to other users).' }),
    watch: Flags.boolean({ description: 'Redraw until Ctrl-C.' }),
    interval: Flags.integer({ description: 'Seconds between redraws with --watch.', default: 1, min: 1, max: 3600 }),
    ...utcFlag,
  }

  /** Aborted by Ctrl-C while watching: the watch ends (exit 130). */
  private watching: AbortController | null = null

  async run(): Promise<QueueResult> {
    const { flags } = await this.parse(Queue)
    const read = await queueReader(this.session, { project: this.defaultedProject(flags), apiKey: flags['api-key'] })
    let result = await read()
    if (!flags.watch) {
      this.render(result, false, flags)
      return result
    }
    this.watching = new AbortController()
    const { stdout, stdoutIsTTY } = this.ctx.io
    for (;;) {
      if (this.jsonEnabled()) stdout.write(`${JSON.stringify(result)}\n`)
      else this.render(result, stdoutIsTTY, flags)
      try {
        await sleep(flags.interval * 1000, undefined, { signal: this.watching.signal })
      } catch {
        throw new Interrupted()
      }
      result = await read()
    }
  }

  protected override interrupted(): void {
    if (this.watching) this.watching.abort()
    else super.interrupted()
  }

  private render(result: QueueResult, redraw: boolean, flags: { utc?: boolean }): void {
    if (redraw) this.ctx.io.stdout.write('\u001b[H\u001b[2J')
    if (result.queues.length === 0) this.log('No projects.')
    else
      this.log(
        renderTable(result.queues, [
          { header: 'PROJECT', get: (q) => q.slug ?? `#${q.project_id}` },
          { header: 'QUEUED', get: (q) => chalk.bold(String(q.queue_depth)), align: 'right' },
          { header: 'CAPACITY', get: (q) => q.queue_capacity, align: 'right' },
        ]),
      )
    if (redraw) this.log(chalk.dim(`\n${this.times(flags).at(new Date(this.ctx.now()).toISOString())}  Ctrl-C to stop`))
  }
}
