/** One dispatched server-sent event. */
export interface SseMessage {
  /** The last event id in force when it was dispatched ('' when none was ever sent). */
  id: string
  /** `event:` field; 'message' when absent. */
  event: string
  /** `data:` lines joined with '\n'. */
  data: string
}

/**
 * An incremental parser of `text/event-stream` as the HTML standard reads it: lines end in
 * CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the next are one line
 * end); a blank line dispatches the event; lines starting with ':' are comments (heartbeats);
 * an event without data is not dispatched, but its `id` still counts. Feed it decoded text in
 * chunks of any size.
 */
export class SseParser {
  private buffer = ''
  private data: string[] = []
  private event = ''
  private idBuffer = ''
  /** Comment lines seen (Ledger's heartbeats and its `: connected` greeting). */
  comments = 0
  /** The last `retry:` value, in ms. */
  retry: number | undefined

  /** Parses `chunk` and returns the events it completed. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk
    const out: SseMessage[] = []
    let start = 0
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i)
      if (c !== 10 && c !== 13) continue
      // A CR as the very last character may be the first half of a CRLF: wait for more.
      if (c === 13 && i === this.buffer.length - 1) break
      this.line(this.buffer.slice(start, i), out)
      if (c === 13 && this.buffer.charCodeAt(i + 1) === 10) i++
      start = i + 1
    }
    this.buffer = this.buffer.slice(start)
    return out
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        out.push({ id: this.idBuffer, event: this.event || 'message', data: this.data.join('\n') })
      }
      this.data = []
      this.event = ''
      return
    }
    if (line.startsWith(':')) {
      this.comments++
      return
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'data':
        this.data.push(value)
        break
      case 'event':
        this.event = value
        break
      case 'id':
        if (!value.includes('\u0000')) this.idBuffer = value
        break
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.retry = Number(value)
        break
      default:
      // Unknown fields are ignored.
    }
  }
}
