import chalk from 'chalk'
import { type BytesTransport, clientBytesTransport } from '../../client/bytes-transport.js'
import type { IMPORTANCES, Level, LogType } from '../../contract/ingest.js'
import type { KeyAccess } from '../auth/session.js'
import { type Reading, readingOptions } from '../flags/ingest.js'
import { inputSources, parseAttributes } from '../ingest/inputs.js'
import { LineMapper } from '../ingest/map-line.js'
import { keyHint, Notices } from '../ingest/notices.js'
import { IngestPipeline, type InputSource } from '../ingest/pipeline.js'
import {
  buildSummary,
  exitCodeOf,
  finalErrors,
  formatSummary,
  type IngestSummary,
  ProgressLine,
  progressKey,
  progressText,
  RateMeter,
} from '../ingest/report.js'
import { type FailurePolicy, Shipper } from '../ingest/shipper.js'
import { waitUntilSearchable, WaitError } from '../ingest/wait.js'
import type { CliContext, StopSignal } from '../runtime/context.js'
import { CliError, EXIT } from '../runtime/errors.js'

const n = (v: number) => Math.round(v).toLocaleString('en-US')

/** `ledger ingest`'s flags, as parsed. */
export interface IngestFlags {
  project?: string | undefined
  level: Level
  attr?: string[] | undefined
  'log-type'?: LogType | undefined
  importance?: (typeof IMPORTANCES)[number] | undefined
  environment?: string | undefined
  release?: string | undefined
  tee: boolean
  'on-failure': FailurePolicy
  'give-up-after': number
  'timestamp-format'?: string | undefined
  timezone?: string | undefined
  'strip-timestamp': boolean
  'multiline-start'?: string | undefined
  encoding?: string | undefined
  wait: boolean
  'wait-timeout': number
  'batch-size': number
  concurrency: number
}

/** What an ingest run reads and how, checked before any request (a bad flag or file: exit 2). */
export interface IngestPlan {
  files: readonly string[]
  flags: IngestFlags
  sources: InputSource[]
  attributes: Record<string, string>
  reading: Reading
}

/** Checks the flags and the files given; nothing is read or sent yet. */
export function planIngest(ctx: CliContext, files: readonly string[], flags: IngestFlags): IngestPlan {
  const attributes = parseAttributes(flags.attr)
  const reading = readingOptions(flags)
  const sources = inputSources(files, () => ctx.io.stdin)
  return { files, flags, sources, attributes, reading }
}

/** How an ingest run ended: its summary (the `--json` result) and the exit code. */
export interface IngestOutcome {
  summary: IngestSummary
  exitCode: number
}

/**
 * One `ledger ingest`: the inputs read line by line (`IngestPipeline`), each line mapped to a
 * log (`LineMapper`), shipped in batches with retries (`Shipper`, over the key's client),
 * what happens told on stderr (`Notices`, a status line on a terminal), then optionally waited
 * for until searchable, and summed up. A first SIGINT or SIGTERM stops reading and sends what
 * was read; a second stops at once.
 */
export class IngestRun {
  private readonly pipeline: IngestPipeline
  private readonly shipper: Shipper
  private readonly transport: BytesTransport
  private readonly progress: ProgressLine
  private signal: StopSignal | null = null
  private waitAbort: AbortController | null = null

  constructor(
    private readonly ctx: CliContext,
    private readonly access: KeyAccess,
    private readonly plan: IngestPlan,
    private readonly opts: { json: boolean; url: string },
  ) {
    const { flags } = plan
    const { io } = ctx
    // No status line when --tee writes the input to the same terminal, nor while the lines
    // are typed at the terminal: the two would mix.
    const teeOnTerminal = flags.tee && io.stdoutIsTTY
    const typed = io.stdinIsTTY && (plan.files.length === 0 || plan.files.includes('-'))
    this.progress = new ProgressLine(io.stderr, io.stderrIsTTY && !opts.json && !teeOnTerminal && !typed, io.columns)
    let notices: Notices | null = null
    this.transport = clientBytesTransport(access.client)
    this.shipper = new Shipper({
      transport: this.transport,
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
      attributes: plan.attributes,
      time: plan.reading.time,
      stripTimestamp: flags['strip-timestamp'],
    })
    this.pipeline = new IngestPipeline({
      sources: plan.sources,
      mapper,
      shipper: this.shipper,
      tee: flags.tee ? io.stdout : null,
      multilineStart: plan.reading.multilineStart,
      encoding: plan.reading.encoding,
    })
    const where = (ordinal: number) => {
      const ref = this.pipeline.lineRef(ordinal)
      return plan.files.length > 0 ? `${ref.name}:${ref.line}` : `line ${ref.line}`
    }
    notices = new Notices((m) => this.tell(m), where, opts.url, flags['on-failure'])
  }

  /** SIGINT or SIGTERM: the first stops reading (what was read is sent), a second stops sending. */
  stop(sig: StopSignal): void {
    if (this.waitAbort) {
      this.signal ??= sig
      this.waitAbort.abort()
    } else if (this.signal === null) {
      this.signal = sig
      this.tell(`${sig}: sending the lines read so far (again to quit at once)`)
      this.pipeline.stop()
    } else {
      this.shipper.abort()
    }
  }

  async run(): Promise<IngestOutcome> {
    const { ctx, plan, shipper } = this
    const { flags, files } = plan
    const readsStdin = files.length === 0 || files.includes('-')
    if (files.length === 0 && ctx.io.stdinIsTTY && !this.opts.json) {
      ctx.io.stderr.write(`${chalk.dim('Reading lines from the terminal; end with Ctrl-D.')}\n`)
    }
    const started = performance.now()
    const meter = new RateMeter()
    this.progress.start(() => progressText(shipper.stats, meter), { key: () => progressKey(shipper.stats) })
    void shipper.checkCredential()
    let result
    try {
      result = await this.pipeline.run()
    } finally {
      this.progress.stop()
      if (readsStdin) ctx.io.stdin.destroy()
    }

    const fatal = shipper.fatal
    const stats = shipper.stats
    if (fatal?.auth) {
      const what = fatal.status === 403 ? 'cannot ingest with this API key' : 'the daemon refused the API key'
      const lost = stats.undelivered > 0 ? ` (${n(stats.undelivered)} lines not sent)` : ''
      throw new CliError(`${what}: ${fatal.detail}${lost}`, keyHint(this.access.source, flags.project), EXIT.auth)
    }
    const errors = finalErrors(result, stats, fatal)
    let waitedMs: number | null = null
    let waitFailed: WaitError | null = null
    if (flags.wait && this.signal === null && fatal === null && stats.accepted > 0) {
      this.waitAbort = new AbortController()
      try {
        waitedMs = await waitUntilSearchable(this.transport, stats, flags['wait-timeout'], this.waitAbort.signal)
      } catch (err) {
        if (!(err instanceof WaitError)) throw err
        waitFailed = err
        errors.push(err.message)
      }
    }
    let exitCode = exitCodeOf(result, stats, this.signal)
    if (waitFailed && exitCode === EXIT.ok) exitCode = waitFailed.auth ? EXIT.auth : EXIT.error
    const summary = buildSummary(result, stats, (performance.now() - started) / 1000, this.signal !== null, exitCode)
    for (const e of errors) ctx.io.stderr.write(`${chalk.red('Error:')} ${e}\n`)
    const searchable = waitedMs === null ? '' : `; searchable ${(waitedMs / 1000).toFixed(1)} s after the last batch`
    if (!this.opts.json) {
      ctx.io.stderr.write(`${formatSummary(summary, { logs: stats.logs, busyWaitMs: stats.busyWaitMs })}${searchable}\n`)
    }
    return { summary, exitCode }
  }

  /** A message on stderr, above the status line. */
  private tell(message: string): void {
    this.progress.note(chalk.yellow(message))
  }
}
