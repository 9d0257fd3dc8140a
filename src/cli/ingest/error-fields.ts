import { asText } from './json-fields.js'

/** `TypeError: boom`, `java.io.IOException: gone`, `Foo::BarError`, `KeyboardInterrupt` alone. */
const ERROR_HEAD = /^([A-Za-z_$][\w$]*(?:(?:\.|::)[A-Za-z_$][\w$]*)*)(?::\s?(.*))?$/
const ERROR_NAME = /(?:Error|Exception|Interrupt|Exit|Fault|Failure|Panic)$/

/** Error fields found in a line. */
export interface ErrorFields {
  type: string | null
  message: string | null
  stack: string | null
}

const TYPE_KEYS = ['type', 'name', 'class', 'kind']
const MESSAGE_KEYS = ['message', 'msg', 'reason']
const STACK_KEYS = ['stack', 'stack_trace', 'stacktrace', 'backtrace', 'trace', 'extendedStackTrace', 'stackTrace']

/**
 * Fills the empty error fields from an `error`/`err`/`exception` value: an object
 * (`{type|name, message, stack}` as pino and winston serialise errors) or a string (a stack
 * trace, a Python traceback, or `TypeError: message`). Returns what the object held beyond
 * those fields (kept as an attribute), or undefined.
 */
export function fillError(err: ErrorFields, value: unknown, onlyHead = false): unknown {
  if (typeof value === 'string') {
    const text = value
    const nl = text.indexOf('\n')
    if (nl >= 0 && !onlyHead) err.stack ??= text
    let head = nl >= 0 ? text.slice(0, nl) : text
    if (/^Traceback \(most recent call last\)/.test(head)) {
      // Python puts the exception last.
      const lines = text.trimEnd().split('\n')
      head = lines[lines.length - 1] ?? head
    }
    head = head.trim()
    const m = ERROR_HEAD.exec(head)
    if (m && ERROR_NAME.test(m[1] ?? '')) {
      err.type ??= m[1] ?? null
      if (m[2] !== undefined && m[2] !== '') err.message ??= m[2]
    } else if (!onlyHead && head !== '') {
      err.message ??= head
    }
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    err.message ??= asText(value)
    return undefined
  }
  const o = value as Record<string, unknown>
  const rest: Record<string, unknown> = {}
  let restCount = 0
  const used = new Set<string>()
  const take = (keys: readonly string[]): string | null => {
    for (const k of keys) {
      const v = o[k]
      if (v !== undefined && v !== null && !used.has(k)) {
        used.add(k)
        return Array.isArray(v) ? framesText(v) : asText(v)
      }
    }
    return null
  }
  const type = take(TYPE_KEYS)
  const message = take(MESSAGE_KEYS)
  const stack = take(STACK_KEYS)
  err.type ??= type
  err.message ??= message
  err.stack ??= stack
  for (const k in o) {
    if (used.has(k)) continue
    rest[k] = o[k]
    restCount++
  }
  if (err.stack !== null && (err.type === null || err.message === null)) fillError(err, err.stack, true)
  return restCount > 0 ? rest : undefined
}

/**
 * A stack given as an array: log4j2's `extendedStackTrace` frames (`{class, method, file, line}`)
 * as Java prints them (`\tat class.method(file:line)`), lines as they are, anything else as JSON.
 */
function framesText(frames: unknown[]): string {
  const lines: string[] = []
  for (const f of frames) {
    if (typeof f === 'string') lines.push(f)
    else if (f !== null && typeof f === 'object' && 'class' in f && 'method' in f) {
      const fr = f as Record<string, unknown>
      const where = fr['file'] !== undefined ? `${String(fr['file'])}${fr['line'] !== undefined ? `:${String(fr['line'])}` : ''}` : 'Unknown Source'
      lines.push(`\tat ${String(fr['class'])}.${String(fr['method'])}(${where})`)
    } else return JSON.stringify(frames)
  }
  return lines.join('\n')
}
