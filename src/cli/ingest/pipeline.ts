import type { Readable, Writable } from 'node:stream'
import { type Clock, realClock } from './clock.js'
import { LineSplitter, MAX_LINE_CHARS, makeDecoding } from './line-splitter.js'
import { isBlank, type LineMapper, looksLikeJsonObject } from './map-line.js'
import { type InputEvent, MultilineJoiner } from './multiline.js'
import type { Shipper } from './shipper.js'

/** One input: stdin or a file, opened when its turn comes. */
export interface InputSource {
  /** How messages name it: `stdin` or the path. */
  name: string
  open(): Readable
}

export interface PipelineOptions {
  sources: readonly InputSource[]
  mapper: LineMapper
  shipper: Shipper
  /** Where `--tee` copies the input (byte for byte), or null. */
  tee?: Writable | null
  /** `--multiline-start`: a line matching it starts an event (default: the built-in rules). */
  multilineStart?: RegExp | null
  /** `--encoding` of the inputs (default UTF-8). */
  encoding?: string
  /** Lines longer than this are cut (default 10 MiB, the daemon's body limit). */
  maxLineChars?: number
  clock?: Clock
}

export interface PipelineResult {
  /** Lines read, blank ones included. */
  lines: number
  /** Blank lines, skipped. */
  blank: number
  /** Logs (lines, or multi-line events) with something cut to fit the API's limits. */
  truncated: number
  /** Reading stopped early (a signal, or shipping stopped). */
  stoppedEarly: boolean
  /** Inputs that could not be read, with the reason. */
  readErrors: string[]
}

type PauseReason = 'shipper' | 'tee'

/**
 * Reads the inputs one after the other, splits them into lines, maps each line to a log and
 * hands it to the shipper. Backpressure: when the shipper is saturated (or `--tee`'s output is
 * full), the input stream is paused, and resumed once there is room; nothing is buffered beyond
 * the shipper's bound. `stop()` ends reading early; the logs read so far are still shipped.
 */
export class IngestPipeline {
  private readonly result: PipelineResult = { lines: 0, blank: 0, truncated: 0, stoppedEarly: false, readErrors: [] }
  private readonly starts: Array<{ name: string; first: number }> = []
  private readonly pausedBy = new Set<PauseReason>()
  private readonly clock: Clock
  private readonly joiner: MultilineJoiner
  private current: Readable | null = null
  private endCurrent: (() => void) | null = null
  private stopped = false
  private tee: Writable | null

  constructor(private readonly options: PipelineOptions) {
    this.clock = options.clock ?? realClock
    this.tee = options.tee ?? null
    this.joiner = new MultilineJoiner(
      { start: options.multilineStart ?? null, clock: this.clock },
      (event) => this.ship(event),
      (blank) => {
        this.result.blank += blank
      },
      () => this.pausedBy.size > 0,
    )
    options.shipper.onDrain = () => this.resume('shipper')
    // Shipping stopped for good (a refused key, --on-failure fail): reading stops too.
    options.shipper.onFatal = () => this.stop()
  }

  /** Reads every input, then waits until the shipper has settled everything. */
  async run(): Promise<PipelineResult> {
    for (const source of this.options.sources) {
      if (this.stopped) break
      try {
        await this.read(source)
      } catch (err) {
        this.result.readErrors.push(`${source.name}: ${(err as Error).message}`)
      }
    }
    this.joiner.flush()
    this.joiner.close()
    await this.options.shipper.finish()
    return this.result
  }

  /** One event (a line, or a multi-line one) to the shipper. */
  private ship(event: InputEvent): void {
    const { mapper, shipper } = this.options
    const json = mapper.mapEvent(event)
    if (mapper.lastTruncated) this.result.truncated++
    shipper.add(json, event.ordinal)
  }

  /** Stops reading (a signal, or shipping stopped); what was read is still shipped. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.result.stoppedEarly = true
    this.endCurrent?.()
  }

  /** The input and line number of a line's ordinal (as given to the shipper). */
  lineRef(ordinal: number): { name: string; line: number } {
    for (let i = this.starts.length - 1; i >= 0; i--) {
      const s = this.starts[i]!
      if (ordinal > s.first) return { name: s.name, line: ordinal - s.first }
    }
    return { name: this.starts[0]?.name ?? 'stdin', line: ordinal }
  }

  private read(source: InputSource): Promise<void> {
    const { shipper } = this.options
    const splitter = new LineSplitter(this.options.maxLineChars ?? MAX_LINE_CHARS, makeDecoding(this.options.encoding))
    const result = this.result
    const joiner = this.joiner
    this.starts.push({ name: source.name, first: result.lines })
    let readAt = 0
    const onLine = (line: string, cutTail: string | null) => {
      const ordinal = ++result.lines
      if (cutTail === null && isBlank(line)) joiner.blank()
      else joiner.push(line, ordinal, readAt, looksLikeJsonObject(line), cutTail)
    }

    return new Promise<void>((resolve, reject) => {
      const stream = source.open()
      this.current = stream
      let done = false
      const finish = (err?: Error) => {
        if (done) return
        done = true
        this.current = null
        this.endCurrent = null
        stream.off('data', onData)
        // The last line, even without a newline, and even when stopped early: it was read.
        readAt = this.clock.now()
        splitter.end(onLine)
        // An event does not run from one input into the next.
        joiner.flush()
        if (err) reject(err)
        else resolve()
      }
      const onData = (chunk: Buffer) => {
        if (this.tee && !this.tee.write(chunk)) {
          this.pause('tee')
          this.tee.once('drain', () => this.resume('tee'))
        }
        readAt = this.clock.now()
        splitter.push(chunk, onLine)
        if (shipper.saturated) this.pause('shipper')
      }
      this.endCurrent = () => {
        stream.pause()
        finish()
      }
      stream.on('data', onData)
      stream.once('end', () => finish())
      stream.once('error', (err) => finish(err))
      if (this.tee) {
        this.tee.once('error', () => {
          // The reader of our output went away (`| head`): stop copying, keep shipping.
          this.tee = null
          this.resume('tee')
        })
      }
      if (this.pausedBy.size > 0) stream.pause()
    })
  }

  private pause(reason: PauseReason): void {
    this.pausedBy.add(reason)
    this.current?.pause()
  }

  private resume(reason: PauseReason): void {
    if (!this.pausedBy.delete(reason)) return
    if (this.pausedBy.size === 0 && !this.stopped) this.current?.resume()
  }
}
