import { Args } from '@oclif/core'
import chalk from 'chalk'
import { ApiCommand } from '../cli/base-command.js'
import { CliError, EXIT } from '../cli/errors.js'
import { ingestFlags } from '../cli/ingest/flags.js'
import { inputSources, parseAttributes } from '../cli/ingest/inputs.js'
import { LineMapper } from '../cli/ingest/map-line.js'
import { keyHint, Notices } from '../cli/ingest/notices.js'
import { readingOptions } from '../cli/ingest/parse-flags.js'
import { IngestPipeline } from '../cli/ingest/pipeline.js'
import { waitUntilSearchable, WaitError } from '../cli/ingest/wait.js'
import {
  buildSummary,
  exitCodeOf,
  finalErrors,
  formatSummary,
  type IngestSummary,
  ProgressLine,
  progressText,
  RateMeter,
} from '../cli/ingest/report.js'
import { Shipper } from '../cli/ingest/shipper.js'
import { clientBytesTransport } from '../client/bytes-transport.js'

const n = (v: number) => Math.round(v).toLocaleString('en-US')

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


  private pipeline: IngestPipeline | null = null
  private shipper: Shipper | null = null
  private signal: NodeJS.Signals | null = null
  private waitAbort: AbortController | null = null

  protected override interrupted(): void {
    if (!this.pipeline) super.interrupted()
  }

  async run(): Promise<IngestSummary> {
    const { flags, argv } = await this.parse(Ingest)
    const files = argv as string[]
    const attributes = parseAttributes(flags.attr)
    const reading = readingOptions(flags)
    const sources = inputSources(files)
    const access = await this.projectClient({ project: flags.project, apiKey: flags['api-key'], create: true })
    const json = this.jsonEnabled()
    // No status line when --tee writes the input to the same terminal: the two would mix.
    const teeOnTerminal = flags.tee && Boolean(process.stdout.isTTY)
    const progress = new ProgressLine(process.stderr, Boolean(process.stderr.isTTY) && !json && !teeOnTerminal)
    const print = (m: string) => progress.note(chalk.yellow(m))
    let notices: Notices | null = null
    const transport = clientBytesTransport(access.client)
    const shipper = new Shipper({
      transport,
      onFailure: flags['on-failure'],
      giveUpAfterMs: flags['give-up-after'] * 1000,
      maxBatchLogs: flags['batch-size'],
      concurrency: flags.concurrency,
      onEvent: (e) => notices?.handle(e),
    })
    const mapper = new LineMapper({
      level: flags.level,
      logType: flags['log-type'],
      importance: flags.importance,
      environment: flags.environment,
      release: flags.release,
      attributes,
      time: reading.time,
      stripTimestamp: flags['strip-timestamp'],
    })
    const pipeline = new IngestPipeline({
      sources,
      mapper,
      shipper,
      tee: flags.tee ? process.stdout : null,
      multilineStart: reading.multilineStart,
      encoding: reading.encoding,
    })
    const where = (ordinal: number) => {
      const ref = pipeline.lineRef(ordinal)
      return files.length > 0 ? `${ref.name}:${ref.line}` : `line ${ref.line}`
    }
    notices = new Notices(print, where, this.daemonUrl(), flags['on-failure'])
    this.pipeline = pipeline
    this.shipper = shipper

    const onSignal = (sig: NodeJS.Signals) => this.onSignal(sig, print)
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    if (files.length === 0 && process.stdin.isTTY) this.note(chalk.dim('Reading lines from the terminal; end with Ctrl-D.'))
    const started = performance.now()
    const meter = new RateMeter()
    progress.start(() => progressText(shipper.stats, meter))
    void shipper.checkCredential()
    try {
      let result
      try {
        result = await pipeline.run()
      } finally {
        progress.stop()
        if (files.length === 0 || files.includes('-')) process.stdin.destroy()
      }

      const fatal = shipper.fatal
      const stats = shipper.stats
      if (fatal?.auth) {
        const what = fatal.status === 403 ? 'cannot ingest with this API key' : 'the daemon refused the API key'
        const lost = stats.undelivered > 0 ? ` (${n(stats.undelivered)} lines not sent)` : ''
        throw new CliError(`${what}: ${fatal.detail}${lost}`, keyHint(access.source, flags.project), EXIT.auth)
      }
      const errors = finalErrors(result, stats, fatal)
      let waitedMs: number | null = null
      let waitFailed: WaitError | null = null
      if (flags.wait && this.signal === null && fatal === null && stats.accepted > 0) {
        this.waitAbort = new AbortController()
        try {
          waitedMs = await waitUntilSearchable(transport, stats, flags['wait-timeout'], this.waitAbort.signal)
        } catch (err) {
          if (!(err instanceof WaitError)) throw err
          waitFailed = err
          errors.push(err.message)
        }
      }
      let code = exitCodeOf(result, stats, this.signal)
      if (waitFailed && code === EXIT.ok) code = waitFailed.auth ? EXIT.auth : EXIT.error
      const summary = buildSummary(result, stats, (performance.now() - started) / 1000, this.signal !== null, code)
      for (const e of errors) process.stderr.write(`${chalk.red('Error:')} ${e}\n`)
      const searchable = waitedMs === null ? '' : `; searchable ${(waitedMs / 1000).toFixed(1)} s after the last batch`
      this.logToStderr(formatSummary(summary, { logs: stats.logs, busyWaitMs: stats.busyWaitMs }) + searchable)
      process.exitCode = code
      return summary
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }

  private onSignal(sig: NodeJS.Signals, print: (m: string) => void): void {
    if (this.waitAbort) {
      this.signal ??= sig
      this.waitAbort.abort()
    } else if (this.signal === null) {
      this.signal = sig
      print(`${sig}: sending the lines read so far (again to quit at once)`)
      this.pipeline?.stop()
    } else {
      this.shipper?.abort()
    }
  }
}
