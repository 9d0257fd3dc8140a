import { parentPort, workerData } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'
import { lowerThreadPriority } from '../../workers/threads.js'
import { forgetText, indexNextLogs } from './fulltext.js'
import { WalKeeper, type WalReport } from './wal.js'

// The full-text indexer: its own thread, with two connections (see fulltext.ts): one that reads
// newly stored logs from the main file in short statements, one that writes their text into the
// full-text file, where FTS5's merges hold no lock the request path needs. It is the only writer
// of the full-text file, so it also keeps that file's WAL small (WalKeeper).
const { database, fulltext, chunk, delayMs, walLimitBytes, paused: startPaused } = workerData as {
  database: string
  fulltext: string
  /** Logs per transaction, at most. */
  chunk: number
  /** How long a kick waits before indexing, so that a stream of small commits makes few segments. */
  delayMs: number
  /** The bound on the full-text file's WAL. */
  walLimitBytes: number
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
  | ({ type: 'wal' } & WalReport)
  | { type: 'error'; message: string }

// Indexing is bulk work: it yields to the request path a little (nice 5) but must keep up with
// what is accepted, or the queue grows until ingestion is refused.
lowerThreadPriority(5)
const source = new BetterSqlite3(database, { timeout: 5000 })
const index = new BetterSqlite3(fulltext, { timeout: 5000 })
// Derived data: a power cut may lose its last commits, which are indexed again from `logs`.
index.pragma('synchronous = NORMAL')
// Checkpointed by this thread after its own commits, every 200 ms at most (see wal.ts).
const wal = new WalKeeper(index, `${fulltext}-wal`, walLimitBytes, { everyMs: 200 })
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
    wal.afterCommit()
  } catch (err) {
    failures++
    post({ type: 'error', message: (err as Error).message })
    // Back off (to 10 s) so a persistent failure neither spins nor floods the log.
    schedule(Math.min(10_000, 50 * 2 ** failures))
  }
}

wal.onReport = (r) => post({ type: 'wal', ...r })
wal.start()

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
      wal.afterCommit()
      post({ type: 'forgotten', seq: msg.seq })
    } catch (err) {
      post({ type: 'forgotten', seq: msg.seq, error: (err as Error).message })
    }
  } else if (msg.type === 'close') {
    closed = true
    if (timer !== undefined) clearTimeout(timer)
    wal.stop()
    source.close()
    index.close()
    parentPort?.close()
  }
})

// Whatever was stored but not indexed when the daemon last stopped, or a rebuild.
schedule(0)
