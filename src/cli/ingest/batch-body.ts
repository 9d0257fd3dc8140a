const HEAD = '{"logs":['
const TAIL = ']}'

/**
 * A batch request body built in place: each log's JSON is written into one buffer as it
 * arrives, so logs waiting for their batch to fill hold no objects or strings (they would
 * survive garbage collections and grow the heap), and sealing copies nothing. Buffers are
 * reused from batch to batch: freed ones would wait for a full garbage collection, and
 * resident memory would grow with the number of batches sent instead of the number in flight.
 */
export class BatchBody {
  /** Logs written so far. */
  count = 0
  private buf: Buffer
  private len: number
  /** The line (ordinal) each log came from, by index in the batch. */
  private lines: Float64Array

  /** `reuse`: a batch that is done (sent and answered), whose buffers this one takes over. */
  constructor(capacity: number, maxLogs: number, reuse?: BatchBody) {
    this.buf = reuse && reuse.buf.length >= capacity ? reuse.buf : Buffer.allocUnsafeSlow(Math.max(capacity, 1024))
    this.lines = reuse && reuse.lines.length >= maxLogs ? reuse.lines : new Float64Array(maxLogs)
    this.len = this.buf.write(HEAD, 0, 'latin1')
  }

  /** The line of the log at `index` (0-based, as the API's `Log <index>:` errors count). */
  lineAt(index: number): number {
    return index >= 0 && index < this.count ? this.lines[index]! : 0
  }

  get firstLine(): number {
    return this.lineAt(0)
  }

  get lastLine(): number {
    return this.lineAt(this.count - 1)
  }

  /** Bytes the body would have with `json` added (an upper bound, exact when it matters). */
  sizeWith(json: string, limit: number): number {
    const worst = this.len + json.length * 3 + 1 + TAIL.length
    if (worst <= limit) return worst
    return this.len + Buffer.byteLength(json) + 1 + TAIL.length
  }

  get bytes(): number {
    return this.len + TAIL.length
  }

  append(json: string, line: number): void {
    if (this.count >= this.lines.length) {
      const more = new Float64Array(this.lines.length * 2)
      more.set(this.lines)
      this.lines = more
    }
    this.lines[this.count] = line
    const room = json.length * 3 + 1 + TAIL.length
    if (this.len + room > this.buf.length) this.grow(this.len + Buffer.byteLength(json) + 1 + TAIL.length)
    if (this.count > 0) this.buf[this.len++] = 0x2c // ,
    this.len += this.buf.write(json, this.len, 'utf8')
    this.count++
  }

  /** The finished body (a view of the buffer). */
  finish(): Buffer {
    this.len += this.buf.write(TAIL, this.len, 'latin1')
    return this.buf.subarray(0, this.len)
  }

  private grow(needed: number): void {
    if (needed <= this.buf.length) return
    const next = Buffer.allocUnsafeSlow(Math.max(needed, this.buf.length * 2))
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
  }
}
