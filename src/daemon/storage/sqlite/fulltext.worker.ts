import { parentPort, workerData } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'
import { nameThread } from '../../workers/threads.js'
import { FULLTEXT_JOURNAL, forgetText, indexNextLogs } from './fulltext.js'

// The full-text indexer: its own thread, with two connections (see fulltext.ts): one that reads
// newly stored logs from the main file in short statements, one that writes their text into the
// full-text file, where FTS5's merges hold no lock the request path needs. That file has a
// rollback journal, not a WAL (see fulltext.ts): there is no WAL to keep small.
const { database, fulltext, chunk, delayMs, paused: startPaused } = workerData as {
  database: string
  fulltext: string
  /** Logs per transaction, at most. */
  chunk: number
  /** How long a kick waits before indexing, so that a stream of small commits makes few segments. */
  delayMs: number
  /** Start paused (the daemon was started with its worker paused). */
  paused: boolean
}

export type FulltextRequest =
  | { type: 'kick' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'forget'; seq: number; ids: number[] }
  | { type: 'close' }
export type FulltextReply =
  | { type: 'ready' }
  | { type: 'indexed'; from: number; upTo: number; rows: number; ms: number }
  | { type: 'forgotten'; seq: number; error?: string }
  | { type: 'error'; message: string }

// Indexing runs at the daemon's own priority. Under sustained load it is what bounds the whole
// pipeline (admission follows its progress), and at nice 5 it lost the cores to the request
// path, which then refused what it could not index: 80-81k searchable logs/s against 86-98k at
// nice 0 (60 s windows of `npm run bench -- sustained` at 1.2 M logs, quiet machine).
nameThread('ledger-index')
const source = new BetterSqlite3(database, { timeout: 5000 })
const index = new BetterSqlite3(fulltext, { timeout: 5000 })
// Derived data: a power cut may lose its last commits, which are indexed again from `logs`.
index.pragma('synchronous = NORMAL')
index.pragma(`journal_mode = ${FULLTEXT_JOURNAL}`)
// A transaction's pages stay in memory until its commit: a page spilled to the file before then
// would take the file's exclusive lock early (readers locked out for the rest of the
// transaction) and could be written twice. 64 MB holds a full chunk with its merge work.
index.pragma('cache_size = -65536')
const post = (m: FulltextReply) => parentPort?.postMessage(m)
post({ type: 'ready' })

let timer: NodeJS.Timeout | undefined
let failures = 0
let closed = false
let paused = startPaused

function schedule(ms: number): void {
  if (timer !== undefined || closed || paused) return
  timer = setTimeout(run, ms)
}

function run(): void {
  timer = undefined
  if (closed || paused) return
  try {
    const started = performance.now()
    const r = indexNextLogs(source, index, chunk)
    failures = 0
    if (r) {
      post({ type: 'indexed', ...r, ms: performance.now() - started })
      // A full chunk: more is waiting (a backlog, or a rebuild), go on at once.
      if (r.rows === chunk) schedule(0)
    }
  } catch (err) {
    failures++
    post({ type: 'error', message: (err as Error).message })
    // Back off (to 10 s) so a persistent failure neither spins nor floods the log.
    schedule(Math.min(10_000, 50 * 2 ** failures))
  }
}

parentPort?.on('message', (msg: FulltextRequest) => {
  if (msg.type === 'kick') {
    schedule(delayMs)
  } else if (msg.type === 'pause') {
    paused = true
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  } else if (msg.type === 'resume') {
    paused = false
    schedule(0)
  } else if (msg.type === 'forget') {
    try {
      forgetText(index, msg.ids)
      post({ type: 'forgotten', seq: msg.seq })
    } catch (err) {
      post({ type: 'forgotten', seq: msg.seq, error: (err as Error).message })
    }
  } else if (msg.type === 'close') {
    closed = true
    if (timer !== undefined) clearTimeout(timer)
    source.close()
    index.close()
    parentPort?.close()
  }
})

// Whatever was stored but not indexed when the daemon last stopped, or a rebuild.
schedule(0)
