import { LOG_LIMITS } from '../../contract/ingest.js'
import type { Clock } from './clock.js'

/** One log's worth of input: a line, or a line and the lines that continue it. */
export interface InputEvent {
  /** The first line. */
  first: string
  /** The lines joined to it (null for a single line). */
  rest: string[] | null
  /** The ordinal of its first line (for messages about it). */
  ordinal: number
  /** When its first line was read. */
  readAt: number
  /** Its continuation lines look like a stack trace (frames, `Caused by:`, a traceback…). */
  stack: boolean
  /** For a line longer than the line limit (cut there): its last characters, else null. */
  cutTail: string | null
}

export interface MultilineOptions {
  /** `--multiline-start`: a line matching it starts an event, any other continues one. */
  start?: RegExp | null
  /** An event is sent once its continuation lines stop for this long (default 200 ms). */
  idleMs?: number
  /** An event is cut once it holds this many characters (default: the stack trace limit + a message). */
  maxChars?: number
  /** … or this many lines (default 2000). */
  maxLines?: number
  clock: Clock
}

/** What the lines of a stack trace look like, once it has begun. */
const enum Mode {
  None,
  /** In a Python traceback: its exception line comes last, unindented. */
  Python,
  /** Past a Python traceback's exception line: only a chained traceback continues. */
  PythonDone,
  /** In a Go goroutine dump: function lines are unindented. */
  Go,
}

const FRAME = /^at [\w$.<>/[\]-]+[.(]/
const MORE = /^\.\.\. \d+ (?:more|common frames omitted)/
const GOROUTINE = /^goroutine \d+ \[/
const GO_FRAME = /^(?:[\w.\-/*()[\]]+\(.*\)|created by |\[signal )/
const PHP_FRAME = /^#\d+ /
/** `java.lang.IllegalStateException: boom`, `TypeError: x`, `System.InvalidOperationException`. */
const EXCEPTION_HEAD = /^(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$]?[\w$]*(?:Exception|Error|Throwable)(?::|$)/

/** A stack frame right under an exception's first line: indented, or Java's `at …`. */
function isFrame(line: string): boolean {
  const c = line.charCodeAt(0)
  return c === 32 || c === 9 || FRAME.test(line)
}

/** An indented line that is a stack frame (Node, C#, Python, Ruby, Java's nested causes). */
const INDENTED_FRAME = /^\s+(?:at |File "|from |\.\.\. \d+ more|Caused by: |Suppressed: |#\d+ |--- End of )/

/** How a line relates to the pending event. */
const enum Join {
  No,
  /** It continues the event as text (indented). */
  Text,
  /** It continues the event as a line of a stack trace. */
  Stack,
}

/**
 * Joins the lines of multi-line events (stack traces) to the line that started them.
 * Continuation lines: indented ones, Java's `at …` frames, `Caused by:`, `... N more`, Python
 * tracebacks (`Traceback (most recent call last):`, its `File "…"` lines and the exception
 * line that ends it, chained ones), Go goroutine dumps (`goroutine 1 [running]:` and its
 * function lines), PHP's `Stack trace:` and `#0 …` frames. Blank lines inside an event are kept
 * if a continuation line follows them. A JSON object line is always an event of its own.
 * `--multiline-start` replaces the rules: a line matching it starts an event, any other
 * continues the current one. An event is sent when the next starts, when the input ends, after
 * `idleMs` without a new line (unless `held()`: the input is paused, more may be waiting), or
 * once it reaches the size cap (the line that would pass it starts the next event).
 */
export class MultilineJoiner {
  private pending: InputEvent | null = null
  /** An exception's first line after the pending event's, waiting to see if frames follow. */
  private tentative: { line: string; ordinal: number; readAt: number } | null = null
  private chars = 0
  private mode = Mode.None
  /** Blank lines seen since the pending event's last line: joined if a continuation follows. */
  private blanks = 0
  private lastLineAt = 0
  private timer: unknown = null
  private readonly idleMs: number
  private readonly maxChars: number
  private readonly maxLines: number
  private readonly clock: Clock

  constructor(
    private readonly options: MultilineOptions,
    /** Receives each event, in order. */
    private readonly emit: (event: InputEvent) => void,
    /** Told of blank lines that belong to no event (they are counted, not sent). */
    private readonly onBlank: (count: number) => void,
    /** True while the input is paused: an idle event is not sent then (its rest may be queued). */
    private readonly held: () => boolean = () => false,
  ) {
    this.idleMs = options.idleMs ?? 200
    this.maxChars = options.maxChars ?? LOG_LIMITS.stack_trace + LOG_LIMITS.message
    this.maxLines = options.maxLines ?? 2000
    this.clock = options.clock
  }

  /**
   * One non-blank line. `json`: it is a JSON object (always an event of its own). `cutTail`:
   * the line was cut at the line limit, and this is its end (such a line is an event of its own).
   */
  push(line: string, ordinal: number, readAt: number, json: boolean, cutTail: string | null = null): void {
    this.lastLineAt = this.clock.now()
    if (this.timer === null) this.timer = this.clock.setTimeout(() => this.idle(), this.idleMs)
    if (json || cutTail !== null) {
      this.flush()
      this.emit({ first: line, rest: null, ordinal, readAt, stack: false, cutTail })
      return
    }
    const p = this.pending
    const t = this.tentative
    if (t !== null) {
      this.tentative = null
      if (p !== null && isFrame(line) && this.fits(p, t.line.length + line.length + 2)) {
        // An exception's first line, then its frames: both are the pending event's stack.
        this.append(p, t.line)
        this.append(p, line)
        p.stack = true
        this.mode = Mode.None
        return
      }
      this.start(t.line, t.ordinal, t.readAt)
      return this.push(line, ordinal, readAt, false)
    }
    const join = p === null ? Join.No : this.continues(line)
    if (p !== null && join !== Join.No && this.fits(p, line.length + 1)) {
      this.append(p, line)
      if (join === Join.Stack) p.stack = true
    } else if (p !== null && !p.stack && !this.options.start && EXCEPTION_HEAD.test(line)) {
      // `java.lang.IllegalStateException: boom` under the line that logged it: it belongs to
      // that line if frames follow (see above), else it starts an event of its own.
      this.tentative = { line, ordinal, readAt }
    } else {
      this.start(line, ordinal, readAt)
    }
  }

  /** A blank line. */
  blank(): void {
    if (this.tentative !== null) {
      const t = this.tentative
      this.tentative = null
      this.start(t.line, t.ordinal, t.readAt)
    }
    if (this.pending === null) this.onBlank(1)
    else this.blanks++
  }

  /** Sends the pending event (the input ended, or was stopped). */
  flush(): void {
    if (this.tentative !== null) {
      const t = this.tentative
      this.tentative = null
      this.start(t.line, t.ordinal, t.readAt)
    }
    const p = this.pending
    if (p === null) return
    this.pending = null
    if (this.blanks > 0) {
      this.onBlank(this.blanks)
      this.blanks = 0
    }
    this.emit(p)
  }

  /** Sends the pending event and makes `line` the first of the next. */
  private start(line: string, ordinal: number, readAt: number): void {
    this.flush()
    this.mode = Mode.None
    this.pending = { first: line, rest: null, ordinal, readAt, stack: false, cutTail: null }
    this.chars = line.length
    this.enter(line)
  }

  /** Adds a line to the event, after the blank lines seen since its last one. */
  private append(p: InputEvent, line: string): void {
    const rest = (p.rest ??= [])
    for (; this.blanks > 0; this.blanks--) rest.push('')
    rest.push(line)
    this.chars += line.length + 1
  }

  /** Stops the idle timer (after the last flush). */
  close(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.timer = null
  }

  private idle(): void {
    this.timer = null
    if (this.pending === null) return
    const quiet = this.clock.now() - this.lastLineAt
    if (quiet >= this.idleMs && !this.held()) this.flush()
    else this.timer = this.clock.setTimeout(() => this.idle(), Math.max(1, this.idleMs - quiet))
  }

  /** Whether `chars` more characters (and a line or two) still fit the event. */
  private fits(p: InputEvent, chars: number): boolean {
    return this.chars + chars + this.blanks <= this.maxChars && (p.rest?.length ?? 0) + this.blanks + 2 <= this.maxLines
  }

  /** Whether `line` continues the pending event, and how (it may change the event's mode). */
  private continues(line: string): Join {
    const start = this.options.start
    if (start) return start.test(line) ? Join.No : INDENTED_FRAME.test(line) || this.enter(line) ? Join.Stack : Join.Text
    const c = line.charCodeAt(0)
    if (c === 32 || c === 9) return this.mode !== Mode.None || INDENTED_FRAME.test(line) ? Join.Stack : Join.Text
    switch (this.mode) {
      case Mode.Python:
        // The exception line ends the traceback (anything unindented that is not a new log line).
        if (c === 123 || c === 91 || c === 60 || (c >= 48 && c <= 57)) break
        if (!this.enter(line)) this.mode = Mode.PythonDone
        return Join.Stack
      case Mode.Go:
        if (GO_FRAME.test(line)) return Join.Stack
        break
    }
    return this.enter(line) ? Join.Stack : Join.No
  }

  /** Recognises the lines that continue any event, and the modes some of them begin. */
  private enter(line: string): boolean {
    switch (line.charCodeAt(0)) {
      case 97: // a
        return FRAME.test(line)
      case 67: // C
        return line.startsWith('Caused by: ')
      case 46: // .
        return MORE.test(line)
      case 84: // T
        if (line.startsWith('Traceback (most recent call last)')) {
          this.mode = Mode.Python
          return true
        }
        return line.startsWith('The above exception was the direct cause of the following exception')
      case 68: // D
        return line.startsWith('During handling of the above exception, another exception occurred')
      case 103: // g
        if (GOROUTINE.test(line)) {
          this.mode = Mode.Go
          return true
        }
        return false
      case 83: // S
        return line.startsWith('Suppressed: ') || line === 'Stack trace:'
      case 35: // #
        return PHP_FRAME.test(line)
      default:
        return false
    }
  }
}
