/**
 * Keys one of which a logfmt line must have to be read as one (lower case): without them,
 * `a=b c=d` is as likely a sentence with an equals sign.
 */
const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'msg',
  'message',
  'level',
  'lvl',
  'severity',
  'time',
  'ts',
  't',
  'timestamp',
  'err',
  'error',
  'event',
])

/**
 * A logfmt line (`level=warn msg="disk almost full" user=42 time=2025-10-17T10:00:00Z`, as Go's
 * logfmt, logrus's text formatter, slog's TextHandler and Heroku write) as its key-value pairs
 * (values as strings; a key alone is `true`, as logfmt says), or null when the text from
 * `start` is not wholly logfmt: at least two `key=value` pairs, one of them a known key (`msg`,
 * `level`, `time`…). Quoted values take `\"`, `\\`, `\n`, `\t`, `\r` escapes.
 */
export function parseLogfmt(line: string, start = 0): Record<string, unknown> | null {
  const n = line.length
  // Cheap refusal: the first word must be a `key=`.
  const eq = line.indexOf('=', start)
  if (eq <= start) return null
  const sp = line.indexOf(' ', start)
  if (sp >= 0 && sp < eq) return null
  const out: Record<string, unknown> = {}
  let pairs = 0
  let known = false
  let i = start
  while (i < n) {
    let c = line.charCodeAt(i)
    if (c === 32 || c === 9) {
      i++
      continue
    }
    const keyStart = i
    while (i < n && (c = line.charCodeAt(i)) !== 61 && c !== 32 && c !== 9) {
      if (c === 34 || c < 32) return null
      i++
    }
    const key = line.slice(keyStart, i)
    if (i >= n || c !== 61) {
      out[key] = true
      continue
    }
    i++
    let value: string
    if (line.charCodeAt(i) === 34) {
      const q = readQuoted(line, i)
      if (q === null) return null
      value = q.value
      i = q.end
      if (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) return null
    } else {
      const valueStart = i
      while (i < n && (c = line.charCodeAt(i)) !== 32 && c !== 9) {
        if (c === 34) return null
        i++
      }
      value = line.slice(valueStart, i)
    }
    if (key === '__proto__') continue
    out[key] = value
    pairs++
    if (!known && KNOWN_KEYS.has(key.toLowerCase())) known = true
  }
  return pairs >= 2 && known ? out : null
}

function readQuoted(line: string, open: number): { value: string; end: number } | null {
  let i = open + 1
  let value = ''
  let from = i
  for (;;) {
    const c = line.charCodeAt(i)
    if (Number.isNaN(c)) return null
    if (c === 34) {
      value += line.slice(from, i)
      return { value, end: i + 1 }
    }
    if (c === 92) {
      value += line.slice(from, i)
      const e = line[i + 1]
      value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : (e ?? '')
      i += 2
      from = i
      continue
    }
    i++
  }
}
