// (h) `app | ledger ingest` (issue #7): generated lines piped through the real CLI into a running
// daemon, timed from the spawn of `node bin/run.js ingest` to its exit (start-up included).
import { spawn } from 'node:child_process'
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const LEVELS = ['info', 'info', 'warn', 'error', 'debug', 'info']
const WORDS = ['request', 'served', 'user', 'cache', 'miss', 'timeout', 'connection', 'refused', 'retry', 'payment']

/**
 * What a service prints: half JSON lines as pino/winston write them (level, time, msg, a
 * request id of 16 hex digits like a trace id, a few fields), half plain text with a level
 * word (`2026-01-01T00:00:00.010Z WARN [worker-1] …`).
 */
async function writeLines(file, n) {
  const out = createWriteStream(file)
  const base = Date.parse('2026-01-01T00:00:00Z')
  let chunk = []
  for (let k = 0; k < n; k++) {
    const ts = new Date(base + k * 10).toISOString()
    const msg = `${WORDS[k % 10]} ${WORDS[(k * 7) % 10]} ${WORDS[(k * 3) % 10]} #${k} in ${k % 97} ms`
    if (k % 2 === 0) {
      const id = ((k * 2654435761) % 4294967296).toString(16).padStart(8, '0') + k.toString(16).padStart(8, '0')
      chunk.push(JSON.stringify({ level: LEVELS[k % 6], time: ts, msg, request_id: id, user_id: String(k % 1000), path: `/api/items/${k % 50}`, seq: k }))
    } else {
      chunk.push(`${ts} ${LEVELS[k % 6].toUpperCase()} [worker-${k % 4}] ${msg}`)
    }
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise((r) => out.once('drain', r))
      chunk = []
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`)
  await new Promise((r) => out.end(r))
}

/**
 * Pipes `lines` generated lines into `ledger ingest --json` with `key` against `url`. Returns the
 * lines per second over the CLI's whole run and its own summary (peak RSS included).
 */
export async function benchIngest({ url, key, lines }) {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-ingest-'))
  try {
    const file = join(dir, 'lines.txt')
    await writeLines(file, lines)
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
    if (summary.accepted !== lines) throw new Error(`only ${summary.accepted} of ${lines} lines accepted`)
    return { lines, seconds, rate: lines / seconds, summary }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
