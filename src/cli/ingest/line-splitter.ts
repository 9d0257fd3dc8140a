import { StringDecoder } from 'node:string_decoder'

/** Lines longer than this (in characters) keep their first part only; the API cuts far sooner. */
export const MAX_LINE_CHARS = 4 * 1024 * 1024

/**
 * Splits a byte stream into lines: `\n` or `\r\n` ends a line, UTF-8 is decoded across chunk
 * boundaries (invalid bytes become U+FFFD), and a last line without a newline comes out at
 * `end()`. A line longer than `maxLineChars` is cut there and the rest of it skipped, so one
 * endless line cannot exhaust memory.
 */
export class LineSplitter {
  /** Lines cut because they were longer than the limit. */
  overlong = 0
  private readonly decoder = new StringDecoder('utf8')
  private rest = ''
  private skipping = false

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  /** Calls `onLine` for each complete line in `chunk`. */
  push(chunk: Buffer, onLine: (line: string) => void): void {
    this.split(this.decoder.write(chunk), onLine)
  }

  /** Flushes the last line (one without a final newline). */
  end(onLine: (line: string) => void): void {
    this.split(this.decoder.end(), onLine)
    if (this.rest.length > 0 || this.skipping) {
      const last = this.rest
      this.rest = ''
      this.skipping = false
      onLine(stripCr(last))
    }
  }

  private split(text: string, onLine: (line: string) => void): void {
    if (text.length === 0) return
    let start = 0
    let nl = text.indexOf('\n')
    if (nl >= 0 && (this.rest.length > 0 || this.skipping)) {
      // The line that began in an earlier chunk ends here.
      const line = this.skipping ? this.rest : this.rest + text.slice(0, nl)
      this.rest = ''
      this.skipping = false
      onLine(stripCr(this.limit(line)))
      start = nl + 1
      nl = text.indexOf('\n', start)
    }
    while (nl >= 0) {
      const line = nl - start > this.maxLineChars ? this.limit(text.slice(start, nl)) : text.slice(start, nl)
      onLine(stripCr(line))
      start = nl + 1
      nl = text.indexOf('\n', start)
    }
    if (start < text.length) {
      if (this.skipping) return
      this.rest = this.rest.length > 0 ? this.rest + text.slice(start) : text.slice(start)
      if (this.rest.length > this.maxLineChars) {
        this.rest = this.limit(this.rest)
        this.skipping = true
      }
    }
  }

  private limit(line: string): string {
    if (line.length <= this.maxLineChars) return line
    this.overlong++
    return line.slice(0, this.maxLineChars)
  }
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 0x0d ? line.slice(0, -1) : line
}
