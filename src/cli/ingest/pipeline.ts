import type { Readable, Writable } from 'node:stream'
import { LineSplitter } from './line-splitter.js'
import type { LineMapper } from './map-line.js'
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
  now?: () => number
}

export interface PipelineResult {
  /** Lines read, blank ones included. */
  lines: number
  /** Blank lines, skipped. */
  blank: number
  /** Lines with a value cut to fit the API's limits. */
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
  private readonly now: () => number
  private current: Readable | null = null
  private endCurrent: (() => void) | null = null
  private stopped = false
  private tee: Writable | null

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? Date.now
    this.tee = options.tee ?? null
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
    await this.options.shipper.finish()
    return this.result
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
    const { mapper, shipper } = this.options
    const splitter = new LineSplitter()
    const result = this.result
    this.starts.push({ name: source.name, first: result.lines })
    let readAt = 0
    const onLine = (line: string) => {
      const ordinal = ++result.lines
      const json = mapper.map(line, readAt)
      if (json === null) {
        result.blank++
        return
      }
      if (mapper.lastTruncated) result.truncated++
      shipper.add(json, ordinal)
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
        readAt = this.now()
        splitter.end(onLine)
        result.truncated += splitter.overlong
        if (err) reject(err)
        else resolve()
      }
      const onData = (chunk: Buffer) => {
        if (this.tee && !this.tee.write(chunk)) {
          this.pause('tee')
          this.tee.once('drain', () => this.resume('tee'))
        }
        readAt = this.now()
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
