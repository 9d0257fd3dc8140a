import type { IMPORTANCES, LOG_TYPES} from '../../contract/ingest.js';
import { LOG_LIMITS, type Level } from '../../contract/ingest.js'
import type { ErrorFields } from './error-fields.js'
import { SLOT, SLOT_COUNT } from './json-fields.js'
import { IsoClock, type TimeOptions, TimeReader } from './timestamps.js'
import { serializeAttributes, truncateText } from './truncate.js'

export type LogType = (typeof LOG_TYPES)[number]
export type Importance = (typeof IMPORTANCES)[number]

/** What the flags of `ledger ingest` set for every line. */
export interface MapOptions {
  /** The level of a line that names none (default `info`). */
  level?: Level
  logType?: LogType
  importance?: Importance
  environment?: string
  release?: string
  /** `--attr key=value`: attributes of every line (a line's own attributes win). */
  attributes?: Record<string, string>
  /** `--timezone`, `--timestamp-format`, and the boot time for dmesg lines. */
  time?: TimeOptions
  /** `--strip-timestamp`: a plain line's time is kept out of its message. */
  stripTimestamp?: boolean
}

/**
 * The parts of a log every mapping writes the same way: the flags' values, times, values cut
 * to the API's limits (noting that something was cut), error fields and attributes.
 */
export class LogWriter {
  /** Whether the current log had a value cut to fit. */
  truncated = false
  readonly clock = new IsoClock()
  readonly times: TimeReader
  readonly level: Level
  /** The flags' `--environment` and `--release`, by slot. */
  readonly flagShort: ReadonlyArray<string | null>
  private readonly flagAttributes: Record<string, string> | null
  /** `,"environment":…,"release":…,"attributes":…` of the flags, for logs with no attributes of their own. */
  readonly plainTail: string

  constructor(readonly options: MapOptions) {
    this.level = options.level ?? 'info'
    this.times = new TimeReader(options.time)
    const short: Array<string | null> = new Array<string | null>(SLOT_COUNT).fill(null)
    short[SLOT.environment] = options.environment ?? null
    short[SLOT.release] = options.release ?? null
    this.flagShort = short
    const attrs = options.attributes ?? {}
    this.flagAttributes = Object.keys(attrs).length > 0 ? attrs : null
    let tail = ''
    if (options.environment !== undefined)
      tail += `,"environment":${JSON.stringify(truncateText(options.environment, LOG_LIMITS.short))}`
    if (options.release !== undefined)
      tail += `,"release":${JSON.stringify(truncateText(options.release, LOG_LIMITS.short))}`
    if (this.flagAttributes) tail += `,"attributes":${serializeAttributes(this.flagAttributes).json}`
    this.plainTail = tail
  }

  defaultImportance(level: Level): string {
    return level === 'error' || level === 'critical' ? 'high' : 'standard'
  }

  /** `text` within `max` characters, marked when cut. */
  cut(text: string, max: number): string {
    if (text.length <= max) return text
    this.truncated = true
    return truncateText(text, max)
  }

  /** `,"error_type":…,"error_message":…,"stack_trace":…` for the fields that are set. */
  errorFields(err: ErrorFields): string {
    let out = ''
    if (err.type !== null) out += `,"error_type":${JSON.stringify(this.cut(err.type, LOG_LIMITS.short))}`
    if (err.message !== null) out += `,"error_message":${JSON.stringify(this.cut(err.message, LOG_LIMITS.error_message))}`
    if (err.stack !== null) out += `,"stack_trace":${JSON.stringify(this.cut(err.stack, LOG_LIMITS.stack_trace))}`
    return out
  }

  /** `,"attributes":…` of a log's own attributes under the flags' (the log's win), or ''. */
  attributes(own: Record<string, unknown> | null): string {
    const attrs = this.flagAttributes ? (own ? { ...this.flagAttributes, ...own } : this.flagAttributes) : own
    if (!attrs) return ''
    const a = serializeAttributes(attrs)
    if (a.truncated) this.truncated = true
    return `,"attributes":${a.json}`
  }
}
