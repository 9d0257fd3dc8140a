// (h) `app | ledger ingest` (issue #7, #15): generated lines piped through the real CLI into a
// running daemon, timed from the spawn of `node bin/run.js ingest` to its exit (start-up
// included). Three inputs: JSON lines, plain lines with their own timestamps, and plain lines
// where 10% of the events are multi-line (Java stack traces).
import { spawn } from 'node:child_process'
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const LEVELS = ['info', 'info', 'warn', 'error', 'debug', 'info']
const WORDS = ['request', 'served', 'user', 'cache', 'miss', 'timeout', 'connection', 'refused', 'retry', 'payment']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const BASE = Date.parse('2026-01-01T00:00:00Z')

/** The kinds of input (h) is measured on. */
export const INGEST_KINDS = ['json', 'plain', 'multiline']

const message = (k) => `${WORDS[k % 10]} ${WORDS[(k * 7) % 10]} ${WORDS[(k * 3) % 10]} #${k} in ${k % 97} ms`

/** A JSON line as pino/winston write them: level, time, msg, a request id, a few fields. */
function jsonLine(k) {
  const ts = new Date(BASE + k * 10).toISOString()
  const id = ((k * 2654435761) % 4294967296).toString(16).padStart(8, '0') + k.toString(16).padStart(8, '0')
  return JSON.stringify({ level: LEVELS[k % 6], time: ts, msg: message(k), request_id: id, user_id: String(k % 1000), path: `/api/items/${k % 50}`, seq: k })
}

const pad = (n, w = 2) => String(n).padStart(w, '0')

/**
 * A plain line with its own time, in the shapes services print: ISO 8601 with `T` and a zone,
 * Python/log4j's `2026-01-01 00:00:00,010` (no zone), and RFC 3164 syslog.
 */
function plainLine(k) {
  const d = new Date(BASE + k * 10)
  const level = LEVELS[k % 6].toUpperCase()
  switch (k % 3) {
    case 0:
      return `${d.toISOString()} ${level} [worker-${k % 4}] ${message(k)}`
    case 1:
      return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},${pad(d.getUTCMilliseconds(), 3)} ${level} app.Service - ${message(k)}`
    default:
      return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} web-1 app[${1000 + (k % 50)}]: ${level} ${message(k)}`
  }
}

/** A Java exception as logback prints it: the event's line, then its stack (5 more lines). */
function stackTrace(k) {
  return [
    `${new Date(BASE + k * 10).toISOString()} ERROR [worker-${k % 4}] request #${k} failed`,
    `java.lang.IllegalStateException: ${WORDS[k % 10]} ${WORDS[(k * 3) % 10]} #${k}`,
    '\tat com.example.app.Service.handle(Service.java:42)',
    '\tat com.example.app.Router.dispatch(Router.java:118)',
    '\tat java.base/java.lang.Thread.run(Thread.java:833)',
    `Caused by: java.io.IOException: ${WORDS[(k * 7) % 10]}`,
    '\t... 3 more',
  ]
}

/** Writes `events` events of `kind` to `file`; returns the lines and events written. */
async function writeLines(file, events, kind) {
  const out = createWriteStream(file)
  let chunk = []
  let lines = 0
  for (let k = 0; k < events; k++) {
    if (kind === 'json') chunk.push(jsonLine(k))
    else if (kind === 'multiline' && k % 10 === 5) chunk.push(...stackTrace(k))
    else chunk.push(plainLine(k))
    if (chunk.length >= 10_000) {
      lines += chunk.length
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise((r) => out.once('drain', r))
      chunk = []
    }
  }
  lines += chunk.length
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`)
  await new Promise((r) => out.end(r))
  return { lines, events }
}

/**
 * Pipes `events` generated events of `kind` into `ledger ingest --json` with `key` against
 * `url`. Returns the lines and logs per second over the CLI's whole run and its own summary
 * (peak RSS included).
 */
export async function benchIngest({ url, key, lines: events, kind = 'json' }) {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-ingest-'))
  try {
    const file = join(dir, 'lines.txt')
    const written = await writeLines(file, events, kind)
    const t = performance.now()
    const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'ingest', '--json'], {
      env: { ...process.env, LEDGER_HOME: dir, LEDGER_URL: url, LEDGER_API_KEY: key },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    // A real pipe, as from a program: the CLI's backpressure holds this reader back.
    createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(child.stdin)
    const code = await new Promise((r) => child.on('exit', r))
    const seconds = (performance.now() - t) / 1000
    if (code !== 0) throw new Error(`ledger ingest exited ${code}: ${stdout}`)
    const summary = JSON.parse(stdout)
    if (summary.accepted !== written.events)
      throw new Error(`${kind}: ${summary.accepted} logs accepted, for ${written.events} events (${written.lines} lines)`)
    return { kind, lines: written.lines, events: written.events, seconds, rate: written.lines / seconds, logRate: written.events / seconds, summary }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
