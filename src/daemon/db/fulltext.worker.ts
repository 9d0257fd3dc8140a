import { parentPort, workerData } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'
import { lowerThreadPriority } from '../services/threads.js'
import { attachFulltextFile, forgetText, indexNextLogs } from './fulltext.js'

// The full-text indexer: its own connection and thread (see fulltext.ts). It reads newly
// processed logs from the main file and writes their text into the full-text file, where FTS5's
// merges hold no lock the request path needs.
const { database, fulltext, chunk, delayMs } = workerData as {
  database: string
  fulltext: string
  /** Logs per transaction, at most. */
  chunk: number
  /** How long a kick waits before indexing, so that a stream of small passes makes few segments. */
  delayMs: number
}

export type FulltextRequest = { type: 'kick' } | { type: 'forget'; seq: number; ids: number[] } | { type: 'close' }
export type FulltextReply =
  | { type: 'ready' }
  | { type: 'indexed'; from: number; upTo: number; rows: number }
  | { type: 'forgotten'; seq: number; error?: string }
  | { type: 'error'; message: string }

// Merging segments is bulk work: it yields a core to the request path (nice 10), yet keeps up.
lowerThreadPriority(10)
const db = new BetterSqlite3(database, { timeout: 5000 })
// The daemon has set the file up (schema, WAL, whose index it is) before starting this thread.
attachFulltextFile(db, fulltext)
const post = (m: FulltextReply) => parentPort?.postMessage(m)
post({ type: 'ready' })

let timer: NodeJS.Timeout | undefined
let failures = 0
let closed = false

function schedule(ms: number): void {
  if (timer !== undefined || closed) return
  timer = setTimeout(run, ms)
}

function run(): void {
  timer = undefined
  if (closed) return
  try {
    const r = indexNextLogs(db, chunk)
    failures = 0
    if (r) {
      post({ type: 'indexed', ...r })
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
  } else if (msg.type === 'forget') {
    try {
      forgetText(db, msg.ids)
      post({ type: 'forgotten', seq: msg.seq })
    } catch (err) {
      post({ type: 'forgotten', seq: msg.seq, error: (err as Error).message })
    }
  } else if (msg.type === 'close') {
    closed = true
    if (timer !== undefined) clearTimeout(timer)
    db.close()
    parentPort?.close()
  }
})

// Whatever was processed but not indexed when the daemon last stopped, or a rebuild.
schedule(0)
