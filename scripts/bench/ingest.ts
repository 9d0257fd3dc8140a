// (h) `app | ledger ingest` (issue #7, #15): generated lines piped through the real CLI into a
// running daemon, timed from the spawn of `node bin/run.js ingest` to its exit (start-up
// included). Three inputs: JSON lines, plain lines with their own timestamps, and plain lines
// where 10% of the events are multi-line (Java stack traces).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { IngestSummary } from '../../src/cli/ingest/report.js'
import { word } from './data.js'
import { BIN } from './paths.js'

const LEVELS = ['info', 'info', 'warn', 'error', 'debug', 'info'] as const
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const
const BASE = Date.parse('2026-01-01T00:00:00Z')

/** The kinds of input (h) is measured on. */
export const INGEST_KINDS = ['json', 'plain', 'multiline'] as const
export type IngestKind = (typeof INGEST_KINDS)[number]

/** Whether `s` names a kind of input (BENCH_INGEST_KINDS is checked with it). */
export function isIngestKind(s: string): s is IngestKind {
  return (INGEST_KINDS as readonly string[]).includes(s)
}

/** What (h) measured for one kind of input. */
export interface IngestResult {
  kind: IngestKind
  lines: number
  events: number
  seconds: number
  /** Lines per second over the CLI's whole run. */
  rate: number
  /** Logs (events) per second over the CLI's whole run. */
  logRate: number
  /** The CLI's own `--json` summary. */
  summary: IngestSummary
}

const level = (k: number): string => LEVELS[k % 6] ?? 'info'
const message = (k: number): string => `${word(k)} ${word(k * 7)} ${word(k * 3)} #${k} in ${k % 97} ms`

/** A JSON line as pino/winston write them: level, time, msg, a request id, a few fields. */
function jsonLine(k: number): string {
  const ts = new Date(BASE + k * 10).toISOString()
  const id = ((k * 2654435761) % 4294967296).toString(16).padStart(8, '0') + k.toString(16).padStart(8, '0')
  return JSON.stringify({ level: level(k), time: ts, msg: message(k), request_id: id, user_id: String(k % 1000), path: `/api/items/${k % 50}`, seq: k })
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/**
 * A plain line with its own time, in the shapes services print: ISO 8601 with `T` and a zone,
 * Python/log4j's `2026-01-01 00:00:00,010` (no zone), and RFC 3164 syslog.
 */
function plainLine(k: number): string {
  const d = new Date(BASE + k * 10)
  const upper = level(k).toUpperCase()
  switch (k % 3) {
    case 0:
      return `${d.toISOString()} ${upper} [worker-${k % 4}] ${message(k)}`
    case 1:
      return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},${pad(d.getUTCMilliseconds(), 3)} ${upper} app.Service - ${message(k)}`
    default:
      return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} web-1 app[${1000 + (k % 50)}]: ${upper} ${message(k)}`
  }
}

/** A Java exception as logback prints it: the event's line, then its stack (5 more lines). */
function stackTrace(k: number): string[] {
  return [
    `${new Date(BASE + k * 10).toISOString()} ERROR [worker-${k % 4}] request #${k} failed`,
    `java.lang.IllegalStateException: ${word(k)} ${word(k * 3)} #${k}`,
    '\tat com.example.app.Service.handle(Service.java:42)',
    '\tat com.example.app.Router.dispatch(Router.java:118)',
    '\tat java.base/java.lang.Thread.run(Thread.java:833)',
    `Caused by: java.io.IOException: ${word(k * 7)}`,
    '\t... 3 more',
  ]
}

/** Writes `events` events of `kind` to `file`; returns the lines and events written. */
async function writeLines(file: string, events: number, kind: IngestKind): Promise<{ lines: number; events: number }> {
  const out = createWriteStream(file)
  let chunk: string[] = []
  let lines = 0
  for (let k = 0; k < events; k++) {
    if (kind === 'json') chunk.push(jsonLine(k))
    else if (kind === 'multiline' && k % 10 === 5) chunk.push(...stackTrace(k))
    else chunk.push(plainLine(k))
    if (chunk.length >= 10_000) {
      lines += chunk.length
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain')
      chunk = []
    }
  }
  lines += chunk.length
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`)
  await new Promise<void>((r) => out.end(r))
  return { lines, events }
}

/**
 * Pipes `events` generated events of `kind` into `ledger ingest --json` with `key` against
 * `url`. Returns the lines and logs per second over the CLI's whole run and its own summary
 * (peak RSS included).
 */
export async function benchIngest({
  url,
  key,
  lines: events,
  kind = 'json',
}: {
  url: string
  key: string
  /** Events to generate (a multi-line event is several lines). */
  lines: number
  kind?: IngestKind
}): Promise<IngestResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-ingest-'))
  try {
    const file = join(dir, 'lines.txt')
    const written = await writeLines(file, events, kind)
    const t = performance.now()
    const child = spawn(process.execPath, [BIN, 'ingest', '--json'], {
      env: { ...process.env, LEDGER_HOME: dir, LEDGER_URL: url, LEDGER_API_KEY: key },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    // A real pipe, as from a program: the CLI's backpressure holds this reader back.
    createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(child.stdin)
    const code = await new Promise<number | null>((r) => child.on('exit', r))
    const seconds = (performance.now() - t) / 1000
    if (code !== 0) throw new Error(`ledger ingest exited ${code}: ${stdout}`)
    const summary = JSON.parse(stdout) as IngestSummary
    if (summary.accepted !== written.events)
      throw new Error(`${kind}: ${summary.accepted} logs accepted, for ${written.events} events (${written.lines} lines)`)
    return { kind, lines: written.lines, events: written.events, seconds, rate: written.lines / seconds, logRate: written.events / seconds, summary }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
