import { Flags } from '@oclif/core'
import chalk from 'chalk'
import { ApiCommand } from '../cli/base-command.js'
import type { QueueDepth } from '../contract/ingest.js'

export default class Queue extends ApiCommand {
  static override summary = "Show a project's ingestion queue depth: logs accepted but not yet indexed."
  static override description =
    'Uses the API key stored for --project (or --api-key, or LEDGER_API_KEY). --watch redraws every --interval seconds until Ctrl-C; ' +
    'with --json it prints one JSON object per line.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --project my-app',
    '<%= config.bin %> <%= command.id %> --project my-app --watch',
    'LEDGER_API_KEY=… <%= config.bin %> <%= command.id %> --json',
  ]
  static override flags = {
    project: Flags.string({ description: 'Slug of the project (its stored API key is used).' }),
    'api-key': Flags.string({ description: 'API key to use (prefer LEDGER_API_KEY: argv is visible to other users).' }),
    watch: Flags.boolean({ description: 'Redraw until Ctrl-C.' }),
    interval: Flags.integer({ description: 'Seconds between redraws with --watch.', default: 1, min: 1, max: 3600 }),
  }

  async run(): Promise<QueueDepth> {
    const { flags } = await this.parse(Queue)
    const { client } = await this.projectClient({ project: flags.project, apiKey: flags['api-key'] })
    let depth = await client.queueDepth()
    const label = flags.project ?? `project ${depth.project_id}`
    if (!flags.watch) {
      this.log(`${label}: ${depth.queue_depth} queued`)
      return depth
    }
    const tty = process.stdout.isTTY && !this.jsonEnabled()
    for (;;) {
      const line = `${label}: ${chalk.bold(String(depth.queue_depth))} queued  ${chalk.dim(new Date().toISOString())}`
      if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(depth)}\n`)
      else if (tty) process.stdout.write(`\r\u001b[2K${line}`)
      else this.log(line)
      await new Promise((r) => setTimeout(r, flags.interval * 1000))
      depth = await client.queueDepth()
    }
  }
}
