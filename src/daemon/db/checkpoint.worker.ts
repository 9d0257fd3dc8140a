import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'

// The WAL checkpointer: its own connection, on its own thread. A PASSIVE checkpoint copies
// committed WAL frames into the database without taking the write lock, so ingestion's commits
// never wait for it (SQLite's automatic checkpoint ran inside a commit: up to 50 ms here).
const { file, intervalMs, synchronous } = workerData as {
  file: string
  intervalMs: number
  synchronous: string
}
lowerThreadPriority()
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

/**
 * A checkpoint takes 20-40 ms of CPU under a stream of small commits; on a machine with few
 * cores it would take them from the request path (the event loop waits for a core, and a single
 * ingest's p99 with it). On Linux, where a thread has its own nice value, this thread yields
 * to the others (nice 19). Elsewhere it runs at the daemon's priority.
 */
function lowerThreadPriority(): void {
  try {
    // /proc/thread-self -> "<pid>/task/<tid>": setpriority() on a thread id affects that thread.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19)
  } catch {
    // not Linux, or not allowed: keep the default priority
  }
}
