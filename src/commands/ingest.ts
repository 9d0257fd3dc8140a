import { Args } from '@oclif/core'
import { IngestRun, planIngest } from '../cli/actions/ingest.js'
import { projectKey } from '../cli/actions/project-access.js'
import { ingestFlags } from '../cli/flags/ingest.js'
import type { IngestSummary } from '../cli/ingest/report.js'
import { ApiCommand } from '../cli/runtime/base-command.js'

export default class Ingest extends ApiCommand {
  static override summary = "Send a program's output (stdin) or files to Ledger, one log per line."
  static override description =
    'A JSON-object line has its fields mapped (level, message, timestamp, error…; the rest into attributes), and so has a ' +
    'logfmt line (level=warn msg="…"); any other line becomes the message, with its own time (ISO 8601, syslog, common log ' +
    'format, dmesg…) and its level read from its prefix (ERROR, [warn]…) or --level. Stack traces (Java, Python, Go…) join ' +
    'the line that logged them. Batches of up to 1000 logs are retried until delivered (a busy daemon is waited for as ' +
    'long as it asks; an Idempotency-Key so nothing is stored twice). ' +
    'Exit 0 only when every line was accepted; 1 when some were rejected or not delivered; 4 when the key is refused; ' +
    '130 after Ctrl-C (143 after SIGTERM), once what was read has been sent.'
  static override examples = [
    'node app.js 2>&1 | <%= config.bin %> <%= command.id %> --project my-app --tee',
    'LEDGER_API_KEY=… <%= config.bin %> <%= command.id %> app.log --environment production --attr host=web-1',
    'tail -F /var/log/app.log | <%= config.bin %> <%= command.id %> --project my-app --on-failure drop',
    '<%= config.bin %> <%= command.id %> access.log --timestamp-format "%d/%b/%Y:%H:%M:%S %z" --strip-timestamp',
    '<%= config.bin %> <%= command.id %> app.log --wait && <%= config.bin %> logs "timeout" --since 1h',
  ]
  static override strict = false
  static override args = {
    // ignoreStdin: oclif would otherwise read piped input as the argument's value.
    file: Args.string({ description: 'Files to read, in order (default: stdin; - is stdin).', ignoreStdin: true }),
  }
  static override flags = ingestFlags

  private running: IngestRun | null = null

  /** A signal while lines are read is the run's: it sends what was read first. */
  protected override interrupted(): void {
    if (!this.running) super.interrupted()
  }

  async run(): Promise<IngestSummary> {
    const { flags, argv } = await this.parse(Ingest)
    const plan = planIngest(this.ctx, argv as string[], flags)
    const access = await projectKey(this.session, { project: this.defaultedProject(flags), apiKey: flags['api-key'], create: true })
    const run = new IngestRun(this.ctx, access, plan, { json: this.jsonEnabled(), url: this.session.target.url })
    this.running = run
    const off = [this.ctx.signals.on('SIGINT', (s) => run.stop(s)), this.ctx.signals.on('SIGTERM', (s) => run.stop(s))]
    try {
      const { summary, exitCode } = await run.run()
      this.setExitCode(exitCode)
      return summary
    } finally {
      for (const o of off) o()
    }
  }
}
