import { parentPort, workerData } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'
import { lowerThreadPriority } from '../services/threads.js'

// The WAL checkpointer: its own connection, on its own thread. A PASSIVE checkpoint copies
// committed WAL frames into the database without taking the write lock, so ingestion's commits
// never wait for it (SQLite's automatic checkpoint ran inside a commit: up to 50 ms here).
const { file, intervalMs, synchronous } = workerData as {
  file: string
  intervalMs: number
  synchronous: string
}
// A checkpoint takes 20-40 ms of CPU under a stream of small commits; on a machine with few
// cores it would take them from the request path (the event loop waits for a core, and a single
// ingest's p99 with it).
lowerThreadPriority(19)
const db = new BetterSqlite3(file)
db.pragma('busy_timeout = 5000')
db.pragma(`synchronous = ${synchronous}`)
let busy = false
const timer = setInterval(() => {
  if (busy) return
  busy = true
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{
      busy: number
      log: number
      checkpointed: number
    }>
    parentPort?.postMessage({ type: 'checkpoint', ...r })
  } catch (err) {
    parentPort?.postMessage({ type: 'error', message: (err as Error).message })
  } finally {
    busy = false
  }
}, intervalMs)
parentPort?.on('message', (msg: { type: string }) => {
  if (msg.type === 'close') {
    clearInterval(timer)
    db.close()
    parentPort?.close()
  }
})
