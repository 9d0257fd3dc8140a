import { parentPort, workerData } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'
import { lowerThreadPriority, nameThread } from '../../workers/threads.js'

// The main file's WAL checkpointer: its own connection, on its own thread. A PASSIVE checkpoint
// copies committed WAL frames into the database (and fsyncs it) without taking the write lock,
// so ingestion's commits never wait for it. Under a stream of commits it cannot copy the last
// frames by itself: it reports how large the WAL is after each pass, and the daemon's main thread
// (the only writer) copies the few frames left between two of its commits (see wal.ts).
const { file, intervalMs, synchronous } = workerData as {
  file: string
  /** Between passes while nothing new is committed. */
  intervalMs: number
  synchronous: string
}

export interface CheckpointReply {
  type: 'checkpoint' | 'error'
  busy?: number
  log?: number
  checkpointed?: number
  message?: string
}

// A checkpoint takes 20-40 ms of CPU under a stream of commits; on a machine with few cores it
// would take them from the request path (the event loop waits for a core, and a single ingest's
// p99 with it).
lowerThreadPriority(10)
nameThread('ledger-checkpt')
const db = new BetterSqlite3(file)
db.pragma('busy_timeout = 5000')
db.pragma(`synchronous = ${synchronous}`)
let timer: NodeJS.Timeout | undefined
let lastLog = -1

function pass(): void {
  timer = undefined
  let next = intervalMs
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>
    parentPort?.postMessage({ type: 'checkpoint', ...r } satisfies CheckpointReply)
    // The WAL is growing: go on soon, so that what the main thread has left to copy stays small.
    if (r && r.log !== lastLog && r.log > 0) next = 25
    lastLog = r?.log ?? -1
  } catch (err) {
    parentPort?.postMessage({ type: 'error', message: (err as Error).message } satisfies CheckpointReply)
  }
  timer = setTimeout(pass, next)
}
timer = setTimeout(pass, intervalMs)

parentPort?.on('message', (msg: { type: string }) => {
  if (msg.type === 'close') {
    if (timer) clearTimeout(timer)
    db.close()
    parentPort?.close()
  }
})
