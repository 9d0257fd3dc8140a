import type { PipelineResult } from './pipeline.js'
import type { ShipperStats } from './shipper.js'

/** What `ledger ingest` did, printed at the end (and the `--json` result). */
export interface IngestSummary {
  /** Lines read, blank ones included. */
  lines_read: number
  /** Blank lines, skipped (not sent). */
  blank_lines: number
  /** Logs the daemon accepted (202). */
  accepted: number
  /** Logs the daemon refused (per-log errors, reported on stderr with their line numbers). */
  rejected: number
  /** Logs read but not delivered: given up, dropped, or pending when stopped. */
  undelivered: number
  /** Lines with a value cut to fit the API's limits (marked `…[truncated]`). */
  truncated: number
  batches: number
  requests: number
  retries: number
  /** Batches the daemon had already stored (a retry after a lost answer): stored once. */
  replayed_batches: number
  seconds: number
  lines_per_second: number
  /** Peak resident memory of the CLI process. */
  max_rss_bytes: number
  interrupted: boolean
  exit_code: number
}

export function buildSummary(
  pipeline: PipelineResult,
  stats: ShipperStats,
  seconds: number,
  interrupted: boolean,
  exitCode: number,
): IngestSummary {
  return {
    lines_read: pipeline.lines,
    blank_lines: pipeline.blank,
    accepted: stats.accepted,
    rejected: stats.rejected,
    undelivered: stats.undelivered,
    truncated: pipeline.truncated,
    batches: stats.batches,
    requests: stats.requests,
    retries: stats.retries,
    replayed_batches: stats.replayed,
    seconds: Math.round(seconds * 1000) / 1000,
    lines_per_second: seconds > 0 ? Math.round(pipeline.lines / seconds) : pipeline.lines,
    max_rss_bytes: process.resourceUsage().maxRSS * 1024,
    interrupted,
    exit_code: exitCode,
  }
}

const n = (v: number) => v.toLocaleString('en-US')

/** The one-line summary on stderr. */
export function formatSummary(s: IngestSummary): string {
  const parts = [`${n(s.lines_read)} lines read`, `${n(s.accepted)} accepted`]
  if (s.rejected > 0) parts.push(`${n(s.rejected)} rejected`)
  if (s.undelivered > 0) parts.push(`${n(s.undelivered)} NOT delivered`)
  if (s.blank_lines > 0) parts.push(`${n(s.blank_lines)} blank skipped`)
  if (s.truncated > 0) parts.push(`${n(s.truncated)} truncated`)
  if (s.retries > 0) parts.push(`${n(s.retries)} retries`)
  return `ingest: ${parts.join(', ')} in ${s.seconds.toFixed(1)} s (${n(s.lines_per_second)} lines/s)${s.interrupted ? ', interrupted' : ''}`
}

/**
 * A status line redrawn on a terminal's stderr (lines read, sent, rate, retries); messages
 * printed in between clear it first. Does nothing when stderr is not a terminal.
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | null = null
  private shown = false
  private render: (() => string) | null = null

  constructor(private readonly out: NodeJS.WriteStream & { isTTY?: boolean }, private readonly enabled = Boolean(out.isTTY)) {}

  start(render: () => string, everyMs = 250): void {
    if (!this.enabled) return
    this.render = render
    this.timer = setInterval(() => this.draw(), everyMs)
    this.timer.unref()
  }

  /** Prints a message on a line of its own (above the status line). */
  note(message: string): void {
    this.clear()
    this.out.write(`${message}\n`)
    if (this.render) this.draw()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.render = null
    this.clear()
  }

  private draw(): void {
    if (!this.render) return
    const cols = this.out.columns ?? 100
    this.out.write(`\r\u001b[2K${this.render().slice(0, Math.max(20, cols - 1))}`)
    this.shown = true
  }

  private clear(): void {
    if (this.shown) this.out.write('\r\u001b[2K')
    this.shown = false
  }
}

/** Counts of lines per second over the last few seconds, for the progress line. */
export class RateMeter {
  private readonly samples: Array<{ at: number; count: number }> = []

  constructor(private readonly windowMs = 3_000) {}

  rate(count: number, now: number = Date.now()): number {
    this.samples.push({ at: now, count })
    while (this.samples.length > 2 && this.samples[0]!.at < now - this.windowMs) this.samples.shift()
    const first = this.samples[0]!
    const dt = (now - first.at) / 1000
    return dt > 0 ? (count - first.count) / dt : 0
  }
}
