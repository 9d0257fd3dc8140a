import { Flags } from '@oclif/core'
import chalk from 'chalk'
import { ApiCommand } from '../cli/base-command.js'
import { CliError } from '../cli/errors.js'
import { renderTable } from '../cli/output.js'
import type { LedgerClient } from '../client/index.js'

export interface QueueRow {
  project_id: number
  slug: string | null
  queue_depth: number
  /** Capacity per project (known with a login). */
  queue_capacity: number | null
}

export interface QueueResult {
  queues: QueueRow[]
}

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
  }

  async run(): Promise<QueueResult> {
    const { flags } = await this.parse(Queue)
    const project = flags.project?.toLowerCase()
    const read = await this.reader(project, flags['api-key'])
    let result = await read()
    if (!flags.watch) {
      this.render(result, false)
      return result
    }
    for (;;) {
      if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(result)}\n`)
      else this.render(result, Boolean(process.stdout.isTTY))
      await new Promise((r) => setTimeout(r, flags.interval * 1000))
      result = await read()
    }
  }

  /** How to read the depths: the account's overview with a login, else the API key's own project. */
  private async reader(project: string | undefined, apiKey: string | undefined): Promise<() => Promise<QueueResult>> {
    const session = this.session
    const useKey = Boolean(apiKey || session.envOverride === 'LEDGER_API_KEY') || !(session.envOverride || (await session.loadLogin()))
    if (useKey) {
      const { client } = await this.projectClient({ project, apiKey })
      return async () => {
        const d = await client.queueDepth()
        return { queues: [{ project_id: d.project_id, slug: project ?? null, queue_depth: d.queue_depth, queue_capacity: null }] }
      }
    }
    const client: LedgerClient = await this.accountClient()
    return async () => {
      const o = await client.statsOverview()
      const queues = o.projects
        .filter((p) => !project || p.slug === project)
        .map((p) => ({ project_id: p.project_id, slug: p.slug, queue_depth: p.queue_depth, queue_capacity: p.queue_capacity }))
      if (project && queues.length === 0) throw new CliError(`no project '${project}'`, 'See `ledger projects list`.')
      return { queues }
    }
  }

  private render(result: QueueResult, redraw: boolean): void {
    if (redraw) process.stdout.write('\u001b[H\u001b[2J')
    if (result.queues.length === 0) this.log('No projects.')
    else
      this.log(
        renderTable(result.queues, [
          { header: 'PROJECT', get: (q) => q.slug ?? `#${q.project_id}` },
          { header: 'QUEUED', get: (q) => chalk.bold(String(q.queue_depth)), align: 'right' },
          { header: 'CAPACITY', get: (q) => q.queue_capacity, align: 'right' },
        ]),
      )
    if (redraw) this.log(chalk.dim(`\n${new Date().toISOString()}  Ctrl-C to stop`))
  }
}
