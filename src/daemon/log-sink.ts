import { copyFileSync, fstatSync, ftruncateSync, openSync, renameSync, write, writeSync } from 'node:fs'

// Lines held while a write is under way or the destination fails; past this, new lines are
// dropped (and counted) rather than held in memory.
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024
// After a failed write (a full disk), the next attempt waits this long: a failing destination
// is neither hammered nor allowed to hold anything up.
const RETRY_MS = 1000
// A destination that is only busy (a non-blocking pipe whose reader lags) is tried again soon.
const BUSY_RETRY_MS = 20

// A rotation that failed (a full disk) is not tried again before this: a copy of the whole file
// at every write would make a failing disk busier.
const ROTATE_RETRY_MS = 60_000

/** Rotation of the file a sink appends to: past `maxBytes`, into `<path>.1` … `<path>.<keep>`. */
export interface LogRotation {
  path: string
  maxBytes: number
  keep: number
}

/**
 * Rotates `path`: `<path>.N-1` → `<path>.N` … `<path>.1` → `<path>.2` (the oldest, `.keep`,
 * is replaced), then the file is copied to `<path>.1` and truncated in place through `fd`.
 * Copied and truncated rather than renamed, so that every descriptor opened on it in append
 * mode (the daemon's stdout and stderr under `daemon start`, where a crash writes) and
 * `daemon logs -f`, which watches the path's file, go on with the same file.
 */
export function rotateLogFile(path: string, fd: number, keep: number): void {
  for (let i = keep - 1; i >= 1; i--) {
    try {
      renameSync(`${path}.${i}`, `${path}.${i + 1}`)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  copyFileSync(path, `${path}.1`)
  ftruncateSync(fd, 0)
}

/** What the sink did, for deep health. */
export interface LogSinkStatus {
  /** Lines never written: the destination failed (e.g. ENOSPC on daemon.log), or too many waited. */
  dropped_lines: number
  /** The last error of the destination, while it fails (null once a write works again). */
  last_error: string | null
}

/**
 * The daemon's log destination (pino's stream): lines are appended to a file descriptor with
 * asynchronous writes, one at a time, in order. A destination that fails never hangs or crashes
 * the daemon: the lines of a failed write are dropped and counted, later lines are tried again
 * (so the log resumes by itself when a full disk has room again, with a line saying how many
 * were lost), and at exit one synchronous attempt is made, never a loop. pino's own default
 * (sonic-boom) retried a failing synchronous flush for ever at exit: with daemon.log on a full
 * disk the daemon hung with its port bound.
 */
export class LogSink {
  private buffered: string[] = []
  private bufferedBytes = 0
  private writing = false
  private retry: NodeJS.Timeout | undefined
  private droppedTotal = 0
  /** Dropped since the last line that was written: reported in the log once it works again. */
  private droppedUnreported = 0
  private lastError: string | null = null
  private cutLine = false
  private rotateAfter = 0

  /**
   * Appends to `fd`; with `rotation`, `fd` is that file (opened in append mode) and it is
   * rotated before a write would take it past `rotation.maxBytes`.
   */
  constructor(
    private readonly fd: number,
    private readonly rotation?: LogRotation,
  ) {}

  /** A sink that owns the log file at `rotation.path` (created 0600, appended to) and rotates it. */
  static toFile(rotation: LogRotation): LogSink {
    return new LogSink(openSync(rotation.path, 'a', 0o600), rotation)
  }

  get status(): LogSinkStatus {
    return { dropped_lines: this.droppedTotal, last_error: this.lastError }
  }

  /** pino calls this with each line (newline included). Never throws, never blocks. */
  write(line: string): boolean {
    if (this.bufferedBytes + line.length > MAX_BUFFERED_BYTES) {
      this.drop(1)
      return true
    }
    this.buffered.push(line)
    this.bufferedBytes += line.length
    if (!this.writing && !this.retry) this.flush()
    return true
  }

  /** At exit: what is buffered, in one synchronous attempt; on failure it is dropped. */
  flushSync(): void {
    if (this.retry) clearTimeout(this.retry)
    this.retry = undefined
    if (this.buffered.length === 0) return
    const lines = this.take()
    try {
      const data = Buffer.from(lines.join(''))
      let off = 0
      // A partial write is continued while it makes progress; an error ends it.
      while (off < data.length) {
        const n = writeSync(this.fd, data, off, data.length - off)
        if (n <= 0) break
        off += n
      }
      if (off < data.length) this.drop(lines.length)
    } catch (err) {
      this.fail(err, lines.length)
    }
  }

  private take(): string[] {
    const lines = this.buffered
    this.buffered = []
    this.bufferedBytes = 0
    return lines
  }

  private flush(): void {
    if (this.buffered.length === 0) return
    // Lines lost since the last write that worked: said once the log works again.
    const reported = this.droppedUnreported
    this.droppedUnreported = 0
    const lines = this.take()
    const data = Buffer.from((this.cutLine ? '\n' : '') + (reported > 0 ? this.notice(reported) : '') + lines.join(''))
    this.cutLine = false
    // Between two writes of ours, never during one: the file holds whole lines when it is copied.
    this.rotateIfFull(data.length)
    this.writing = true
    this.writeFrom(data, 0, lines.length, reported)
  }

  private writeFrom(data: Buffer, off: number, lines: number, reported: number): void {
    write(this.fd, data, off, data.length - off, null, (err, n) => {
      if (err) {
        this.writing = false
        if (err.code === 'EAGAIN' && off === 0) {
          // Only busy: the same bytes again soon (what arrives meanwhile waits behind them).
          this.buffered.unshift(data.toString())
          this.bufferedBytes += data.length
          this.schedule(BUSY_RETRY_MS)
          return
        }
        this.lastError = err.code ?? err.message
        // Part of it reached the file: the last line there is cut, and the next starts afresh.
        if (off > 0) this.cutLine = true
        this.droppedTotal += lines
        this.droppedUnreported += reported + lines
        this.schedule(RETRY_MS)
        return
      }
      if (off + n < data.length) {
        this.writeFrom(data, off + n, lines, reported)
        return
      }
      this.writing = false
      this.lastError = null
      this.flush()
    })
  }

  private rotateIfFull(incoming: number): void {
    const r = this.rotation
    if (!r || Date.now() < this.rotateAfter) return
    try {
      const size = fstatSync(this.fd).size
      if (size === 0 || size + incoming <= r.maxBytes) return
      rotateLogFile(r.path, this.fd, r.keep)
    } catch (err) {
      // Not rotated: the lines still go to the file as it is; the next try after a while.
      this.lastError = `rotation: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`
      this.rotateAfter = Date.now() + ROTATE_RETRY_MS
    }
  }

  private schedule(ms: number): void {
    if (this.retry) return
    this.retry = setTimeout(() => {
      this.retry = undefined
      if (!this.writing) this.flush()
    }, ms)
    this.retry.unref()
  }

  private fail(err: unknown, lines: number): void {
    this.lastError = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    this.drop(lines)
  }

  private drop(lines: number): void {
    this.droppedTotal += lines
    this.droppedUnreported += lines
  }

  private notice(lines: number): string {
    const line = JSON.stringify({
      level: 40,
      time: Date.now(),
      pid: process.pid,
      msg: `${lines} log lines were dropped: the log could not be written (last error: ${this.lastError ?? 'none'}; see /health/deep)`,
    })
    return `${line}\n`
  }
}
