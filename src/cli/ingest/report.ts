import type { Writable } from 'node:stream'
import { EXIT } from '../runtime/errors.js'
import type { PipelineResult } from './pipeline.js'
import type { ShipperFatal, ShipperStats } from './shipper.js'

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

/** 0 only when every line was accepted; 130/143 after SIGINT/SIGTERM (once what was read is sent). */
export function exitCodeOf(result: PipelineResult, stats: ShipperStats, signal: NodeJS.Signals | null): number {
  if (signal) return signal === 'SIGTERM' ? 143 : EXIT.interrupted
  if (stats.rejected > 0 || stats.undelivered > 0 || result.readErrors.length > 0) return EXIT.error
  return EXIT.ok
}

/** The `Error:` lines of the end: unreadable inputs, why shipping stopped, what was not delivered. */
export function finalErrors(result: PipelineResult, stats: ShipperStats, fatal: ShipperFatal | null): string[] {
  const errors = result.readErrors.map((e) => `cannot read ${e}`)
  if (fatal) errors.push(fatal.detail)
  else if (stats.undelivered > 0)
    errors.push(`${n(stats.undelivered)} lines were not delivered (${stats.failing ?? 'stopped before they were sent'})`)
  return errors
}

/** What the status line says apart from its rate: when this stays the same, nothing is happening. */
export function progressKey(s: ShipperStats): string {
  return `${s.logs} ${s.accepted} ${s.retries} ${s.failing ?? ''} ${s.waiting ?? ''}`
}

/** The status line on a terminal; the rate in whole logs per second. */
export function progressText(s: ShipperStats, meter: RateMeter): string {
  const status = s.failing
    ? ` · retrying (${shortReason(s.failing)})`
    : s.waiting
      ? ` · waiting, the daemon is busy (${shortReason(s.waiting)})`
      : ''
  return `ingest: ${n(s.logs)} read · ${n(s.accepted)} accepted · ${n(Math.round(meter.rate(s.accepted)))}/s · ${n(s.retries)} retries${status}`
}

/** `HTTP 429: Rate limit…` → `HTTP 429`; `cannot reach the Ledger daemon…` → `daemon unreachable`. */
function shortReason(reason: string): string {
  if (reason.startsWith('cannot reach')) return 'daemon unreachable'
  const i = reason.indexOf(':')
  return i > 0 ? reason.slice(0, i) : reason
}

/** The one-line summary on stderr. */
export function formatSummary(s: IngestSummary, more: { logs?: number; busyWaitMs?: number } = {}): string {
  // Multi-line events make fewer logs than lines.
  const logs = more.logs !== undefined && more.logs !== s.lines_read - s.blank_lines ? ` as ${n(more.logs)} logs` : ''
  const parts = [`${n(s.lines_read)} ${s.lines_read === 1 ? 'line' : 'lines'} read${logs}`, `${n(s.accepted)} accepted`]
  if (s.rejected > 0) parts.push(`${n(s.rejected)} rejected`)
  if (s.undelivered > 0) parts.push(`${n(s.undelivered)} NOT delivered`)
  if (s.blank_lines > 0) parts.push(`${n(s.blank_lines)} blank skipped`)
  if (s.truncated > 0) parts.push(`${n(s.truncated)} truncated`)
  if (s.retries > 0) {
    const busy = (more.busyWaitMs ?? 0) >= 100 ? ` (${(more.busyWaitMs! / 1000).toFixed(1)} s waiting for a busy daemon)` : ''
    parts.push(`${n(s.retries)} retries${busy}`)
  }
  return `ingest: ${parts.join(', ')} in ${s.seconds.toFixed(1)} s (${n(s.lines_per_second)} lines/s)${s.interrupted ? ', interrupted' : ''}`
}

/**
 * A status line redrawn on a terminal's stderr (lines read, sent, rate, retries); messages
 * printed in between clear it first, and so does the end. It also clears itself when nothing
 * has moved for `idleMs` (`tail -f app.log | ledger ingest` waiting for lines: what the user
 * types meanwhile does not land on it), and comes back when something does. Does nothing when
 * stderr is not a terminal.
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | null = null
  private shown = false
  private render: (() => string) | null = null
  private key: (() => string) | null = null
  private lastKey = ''
  private lastMove = 0

  constructor(
    private readonly out: Writable,
    private readonly enabled: boolean,
    /** The terminal's width (columns), when known. */
    private readonly columns: () => number | undefined = () => undefined,
  ) {}

  /** Redraws `render()` every `everyMs`; `key()` is what says whether anything moved. */
  start(render: () => string, opts: { everyMs?: number; idleMs?: number; key?: () => string } = {}): void {
    if (!this.enabled) return
    const everyMs = opts.everyMs ?? 250
    this.idleMs = opts.idleMs ?? 2000
    this.render = render
    this.key = opts.key ?? null
    this.lastMove = Date.now()
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

  private idleMs = 2000

  private draw(): void {
    if (!this.render) return
    if (this.key) {
      const key = this.key()
      const now = Date.now()
      if (key !== this.lastKey) {
        this.lastKey = key
        this.lastMove = now
      } else if (now - this.lastMove >= this.idleMs) {
        this.clear()
        return
      }
    }
    // One terminal row, never wrapped (a wrapped line could not be redrawn in place).
    const cols = this.columns() || 100
    this.out.write(`\r\u001b[2K${this.render().slice(0, Math.max(20, cols - 1))}`)
    this.shown = true
  }

  private clear(): void {
    if (this.shown) this.out.write('\r\u001b[2K')
    this.shown = false
  }
}

/** Lines per second over the last few seconds, for the status line. */
export class RateMeter {
  private readonly samples: Array<{ at: number; count: number }> = []
  private last = 0

  constructor(private readonly windowMs = 3_000) {}

  rate(count: number, now: number = Date.now()): number {
    this.samples.push({ at: now, count })
    while (this.samples.length > 2 && this.samples[1]!.at <= now - this.windowMs) this.samples.shift()
    const first = this.samples[0]!
    // Too short a span says nothing (a redraw right after another).
    if (now - first.at >= 500) this.last = ((count - first.count) * 1000) / (now - first.at)
    return this.last
  }
}
