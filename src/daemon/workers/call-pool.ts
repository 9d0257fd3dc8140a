import { parentPort, type Worker, type WorkerOptions } from 'node:worker_threads'
import { startWorker, stopWorker } from './threads.js'

// Threads that answer calls: the main thread posts a request with an id, a thread answers with
// the same id, a result or an error. The daemon's CPU-heavy, synchronous work runs there so that
// the event loop keeps serving requests: decoding large ingestion bodies (ingest/), full-text
// reads (storage/sqlite/). One shape for both: `CallPool` on the main thread, `serveCalls` in
// the thread's module.

/** An error as it crosses from a thread: what the caller needs to tell kinds apart. */
export interface ThreadError {
  name: string
  message: string
  code?: string
}

type Reply<R> = { id: number; result: R } | { id: number; error: ThreadError }
type Message<Q> = { id: number; request: Q } | { close: true }

interface Pending<R> {
  resolve: (r: R) => void
  reject: (e: unknown) => void
}

interface Slot<R> {
  worker: Worker
  pending: Map<number, Pending<R>>
}

export interface CallPoolOptions {
  /** `import.meta.url` of the module the thread's module sits next to. */
  base: string
  /** The thread's module (without extension), next to `base`: it calls `serveCalls`. */
  module: string
  threads: number
  workerData?: WorkerOptions['workerData']
  /** What the threads do, for log lines ("batch decoding"). */
  what: string
  log: { error: (obj: unknown, msg: string) => void }
  /** Rebuilds an error a thread threw (default: an Error with its message and code). */
  revive?: (e: ThreadError) => Error
}

/**
 * A fixed number of threads, started on the first call (a daemon that never needs them never
 * pays for them). Each call goes to the least busy thread. A thread that dies is replaced; the
 * calls it had not answered fail.
 */
export class CallPool<Q, R> {
  private readonly slots: Array<Slot<R>> = []
  private nextId = 1
  private closed = false

  constructor(private readonly options: CallPoolOptions) {}

  /** Starts the threads now rather than at the first call. */
  start(): void {
    while (!this.closed && this.slots.length < this.options.threads) this.slots.push(this.spawn())
  }

  call(request: Q): Promise<R> {
    if (this.closed) return Promise.reject(new Error(`the ${this.options.what} threads are stopped`))
    this.start()
    let slot = this.slots[0]!
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s
    const id = this.nextId++
    return new Promise<R>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject })
      slot.worker.postMessage({ id, request } satisfies Message<Q>)
    })
  }

  /** Lets each thread finish what it is doing and close (at most `graceMs`), then ends it. */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true
    await Promise.all(this.slots.map((s) => stopWorker(s.worker, { close: true } satisfies Message<Q>, graceMs)))
  }

  private spawn(): Slot<R> {
    const worker = startWorker(this.options.base, this.options.module, { workerData: this.options.workerData })
    worker.unref()
    const slot: Slot<R> = { worker, pending: new Map() }
    const revive = this.options.revive ?? reviveError
    worker.on('message', (msg: Reply<R>) => {
      const p = slot.pending.get(msg.id)
      slot.pending.delete(msg.id)
      if ('error' in msg) p?.reject(revive(msg.error))
      else p?.resolve(msg.result)
    })
    let failed = false
    const fail = (err: unknown) => {
      if (failed) return
      failed = true
      for (const p of slot.pending.values()) p.reject(err)
      slot.pending.clear()
      if (this.closed) return
      this.options.log.error({ err }, `${this.options.what} thread died; replacing it`)
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots[i] = this.spawn()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`${this.options.what} thread exited with code ${code}`))
    })
    return slot
  }
}

/** The default `revive`: an Error with the thread's message, and its code (SQLite's, say). */
export function reviveError(e: ThreadError): Error {
  return Object.assign(new Error(e.message), e.code === undefined ? {} : { code: e.code })
}

/**
 * In a thread's module: answers each call with `handle(request)`, or with the error it threw;
 * on close, runs `onClose` (closing connections) and lets the thread end.
 */
export function serveCalls<Q, R>(handle: (request: Q) => R, onClose?: () => void): void {
  const port = parentPort
  if (!port) throw new Error('serveCalls runs in a worker thread')
  port.on('message', (msg: Message<Q>) => {
    if ('close' in msg) {
      onClose?.()
      port.close()
      return
    }
    let reply: Reply<R>
    try {
      reply = { id: msg.id, result: handle(msg.request) }
    } catch (err) {
      const e = err as { name?: unknown; message?: unknown; code?: unknown }
      reply = {
        id: msg.id,
        error: {
          name: typeof e?.name === 'string' ? e.name : 'Error',
          message: typeof e?.message === 'string' ? e.message : String(err),
          ...(typeof e?.code === 'string' ? { code: e.code } : {}),
        },
      }
    }
    port.postMessage(reply)
  })
}
