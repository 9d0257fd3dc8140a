import { StringDecoder } from 'node:string_decoder'
import { TextDecoder } from 'node:util'

/**
 * Lines longer than this (in characters) keep their first part only: the largest body the
 * daemon takes (10 MiB), so a JSON line up to that size is parsed whole.
 */
export const MAX_LINE_CHARS = 10 * 1024 * 1024
/** How much of the end of a cut line is kept (its level or time may be there). */
const TAIL_CHARS = 4096

/** Turns bytes into text across chunk boundaries. */
export interface TextDecoding {
  write(chunk: Buffer): string
  end(): string
}

/**
 * The decoder of `--encoding`: UTF-8 (default), `latin1` (ISO-8859-1), `utf-16le`, `utf-16be`,
 * or any other encoding the WHATWG Encoding standard names (`windows-1252`, `shift_jis`…).
 * Invalid bytes become U+FFFD; a byte order mark is dropped. Throws a RangeError for an
 * unknown name.
 */
export function makeDecoding(encoding = 'utf-8'): TextDecoding {
  const name = encoding.toLowerCase().replace(/_/g, '-')
  if (name === 'utf-8' || name === 'utf8') return new StringDecoder('utf8')
  if (name === 'latin1' || name === 'iso-8859-1' || name === 'binary') return new StringDecoder('latin1')
  let decoder: TextDecoder
  try {
    decoder = new TextDecoder(name === 'utf-16' || name === 'ucs-2' ? 'utf-16le' : name)
  } catch {
    throw new RangeError(`--encoding ${encoding}: not an encoding this Node.js knows (try utf-8, latin1, utf-16le, utf-16be)`)
  }
  return {
    write: (chunk) => decoder.decode(chunk, { stream: true }),
    end: () => decoder.decode(),
  }
}

/**
 * Splits a byte stream into lines: `\n` or `\r\n` ends a line, text is decoded across chunk
 * boundaries (UTF-8 by default; invalid bytes become U+FFFD), and a last line without a
 * newline comes out at `end()`. A line longer than `maxLineChars` is cut there and the rest of
 * it skipped (its last 4096 characters kept, given as `cutTail`), so one endless line cannot
 * exhaust memory.
 */
export class LineSplitter {
  /** Lines cut because they were longer than the limit. */
  overlong = 0
  private rest = ''
  private skipping = false
  private tail = ''

  constructor(
    private readonly maxLineChars = MAX_LINE_CHARS,
    private readonly decoder: TextDecoding = new StringDecoder('utf8'),
  ) {}

  /** Calls `onLine` for each complete line in `chunk`. */
  push(chunk: Buffer, onLine: (line: string, cutTail: string | null) => void): void {
    this.split(this.decoder.write(chunk), onLine)
  }

  /** Flushes the last line (one without a final newline). */
  end(onLine: (line: string, cutTail: string | null) => void): void {
    this.split(this.decoder.end(), onLine)
    if (this.rest.length > 0 || this.skipping) {
      const last = this.rest
      const tail = this.skipping ? stripCr(this.tail) : null
      this.rest = ''
      this.tail = ''
      this.skipping = false
      onLine(stripCr(last), tail)
    }
  }

  private split(text: string, onLine: (line: string, cutTail: string | null) => void): void {
    if (text.length === 0) return
    let start = 0
    let nl = text.indexOf('\n')
    if (nl >= 0 && (this.rest.length > 0 || this.skipping)) {
      // The line that began in an earlier chunk ends here.
      if (this.skipping) {
        const tail = keepTail(this.tail, text.slice(0, nl))
        const line = this.rest
        this.rest = ''
        this.tail = ''
        this.skipping = false
        onLine(stripCr(line), stripCr(tail))
      } else {
        const whole = this.rest + text.slice(0, nl)
        this.rest = ''
        if (whole.length > this.maxLineChars) onLine(this.limit(whole), stripCr(whole.slice(-TAIL_CHARS)))
        else onLine(stripCr(whole), null)
      }
      start = nl + 1
      nl = text.indexOf('\n', start)
    }
    while (nl >= 0) {
      if (nl - start > this.maxLineChars) {
        const line = text.slice(start, nl)
        onLine(this.limit(line), stripCr(line.slice(-TAIL_CHARS)))
      } else onLine(stripCr(text.slice(start, nl)), null)
      start = nl + 1
      nl = text.indexOf('\n', start)
    }
    if (start < text.length) {
      if (this.skipping) {
        this.tail = keepTail(this.tail, text.slice(start))
        return
      }
      this.rest = this.rest.length > 0 ? this.rest + text.slice(start) : text.slice(start)
      if (this.rest.length > this.maxLineChars) {
        this.tail = this.rest.slice(-TAIL_CHARS)
        this.rest = this.limit(this.rest)
        this.skipping = true
      }
    }
  }

  private limit(line: string): string {
    this.overlong++
    return line.slice(0, this.maxLineChars)
  }
}

function keepTail(tail: string, more: string): string {
  return more.length >= TAIL_CHARS ? more.slice(-TAIL_CHARS) : (tail + more).slice(-TAIL_CHARS)
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 0x0d ? line.slice(0, -1) : line
}
