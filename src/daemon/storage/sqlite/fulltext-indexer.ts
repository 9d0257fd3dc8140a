import type { Worker } from 'node:worker_threads'
import { startWorker, stopWorker, waitAtMost } from '../../workers/threads.js'
import type { IndexedRange, IndexState } from '../types.js'
import type { FulltextReply, FulltextRequest } from './fulltext.worker.js'

/**
 * Logs per full-text transaction, at most: larger transactions make fewer, larger segments,
 * ~30% less indexing CPU per log at 20,000 than at 5,000 (measured on 1 M logs). Only a backlog
 * fills one; a trickle is indexed as it comes.
 */
const CHUNK = 20_000
/** A kick waits this long before indexing: fewer, larger FTS5 segments (fewer merges). */
const DELAY_MS = 25
/** `ready()` waits at most this long for a thread to start (it is started again if it fails). */
const READY_TIMEOUT_MS = 10_000

export interface FulltextStatus {
  /** The indexing thread has opened its files and takes work (false while it is restarted). */
  running: boolean
  /** Every stored log with a smaller or equal id is searchable. */
  indexed_upto: number
  /** Indexing is paused (the admin API's queue pause). */
  paused: boolean
  last_error: string | null
}

/**
 * The main thread's side of the full-text indexing thread (fulltext.worker.ts): tells it when
 * logs were processed, hears how far it has indexed, and asks it to forget logs that retention
 * deletes. A thread that dies is started again; it carries on from what it committed.
 */
export class FulltextIndexer {
  private worker: Worker
  private seq = 0
  private readonly forgetting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()
  private closed = false
  /** False from a thread's exit until its replacement starts: messages would go nowhere. */
  private alive = false
  private started!: Promise<void>
  private markStarted: () => void = () => {}
  readonly status: FulltextStatus
  /** Told after each indexing commit of the range of ids that became searchable. */
  private readonly listeners = new Set<(r: IndexedRange) => void>()

  constructor(
    private readonly files: { database: string; fulltext: string },
    state: IndexState,
    private readonly log: { error: (obj: unknown, msg: string) => void },
    paused = false,
  ) {
    this.status = {
      running: false,
      indexed_upto: state.indexedUpTo,
      paused,
      last_error: null,
    }
    this.worker = this.spawn()
  }

  /**
   * Resolves once the thread has opened its files (or after 10 s, or when it fails): the daemon
   * waits for it before it listens, so the first logs it accepts are searchable as soon as any.
   */
  ready(): Promise<void> {
    return waitAtMost(this.started, READY_TIMEOUT_MS)
  }

  /** Tells `listener` of every indexed range; returns the function that unsubscribes. */
  subscribe(listener: (r: IndexedRange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Logs were stored: index them soon. */
  kick(): void {
    if (!this.status.paused) this.send({ type: 'kick' })
  }

  /** Stops indexing (what is being indexed now is finished) until `resume()`. */
  pause(): void {
    this.status.paused = true
    this.send({ type: 'pause' })
  }

  resume(): void {
    this.status.paused = false
    this.send({ type: 'resume' })
  }

  /** Removes these logs from the index; resolves once that is committed. */
  forget(ids: number[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve()
    // No thread to answer: fail now rather than wait for ever (retention tries again later).
    if (!this.alive) return Promise.reject(new Error('the full-text indexing thread is not running'))
    const seq = ++this.seq
    return new Promise<void>((resolve, reject) => {
      this.forgetting.set(seq, { resolve, reject })
      this.send({ type: 'forget', seq, ids })
    })
  }

  close(): Promise<void> {
    this.closed = true
    return stopWorker(this.worker, { type: 'close' } satisfies FulltextRequest, 5000)
  }

  private send(m: FulltextRequest): void {
    this.worker.postMessage(m)
  }

  private spawn(): Worker {
    const worker = startWorker(import.meta.url, 'fulltext.worker', {
      workerData: {
        ...this.files,
        chunk: CHUNK,
        delayMs: DELAY_MS,
        paused: this.status.paused,
      },
    })
    worker.unref()
    this.alive = true
    this.started = new Promise((resolve) => (this.markStarted = resolve))
    worker.on('message', (m: FulltextReply) => {
      if (m.type === 'ready') {
        this.status.running = true
        this.markStarted()
      } else if (m.type === 'indexed') {
        this.status.indexed_upto = m.upTo
        this.status.last_error = null
        for (const l of this.listeners) l({ upTo: m.upTo, rows: m.rows, ms: m.ms })
      } else if (m.type === 'forgotten') {
        const p = this.forgetting.get(m.seq)
        this.forgetting.delete(m.seq)
        if (m.error === undefined) p?.resolve()
        else p?.reject(new Error(m.error))
      } else {
        this.status.last_error = m.message
        this.log.error({ err: m.message }, 'full-text indexing failed; retrying')
      }
    })
    worker.on('error', (err) => {
      this.status.last_error = err.message
    })
    worker.on('exit', (code) => {
      this.alive = false
      this.status.running = false
      this.markStarted()
      for (const p of this.forgetting.values()) p.reject(new Error('the full-text indexing thread stopped'))
      this.forgetting.clear()
      if (this.closed) return
      this.log.error({ code }, 'full-text indexing thread exited; starting it again')
      setTimeout(() => {
        if (!this.closed) this.worker = this.spawn()
      }, 1000).unref()
    })
    return worker
  }
}
