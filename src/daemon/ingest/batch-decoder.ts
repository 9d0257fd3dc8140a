import type { Worker } from 'node:worker_threads'
import type { DecodedBatch } from './batch-decode.js'
import { type DecodeJob, decodeBody } from './decode-body.js'
import { startWorker } from '../workers/threads.js'

/** Bodies smaller than this are decoded inline: the thread hop would cost more than it saves. */
const INLINE_BELOW_BYTES = 64 * 1024

interface Pending {
  resolve: (r: DecodedBatch) => void
  reject: (e: unknown) => void
}

interface Slot {
  worker: Worker
  pending: Map<number, Pending>
}

/**
 * Decodes large ingestion bodies (`ingest/batch` JSON, OTLP protobuf or JSON: parse +
 * validation, ~40% of ingestion's CPU) on worker
 * threads, so the main thread spends its time on SQLite. A crashed thread is replaced and its
 * requests fail with a 500; nothing is half-written since decoding writes nothing.
 */
export class BatchDecoder {
  private readonly slots: Slot[] = []
  private nextId = 1
  private closed = false

  constructor(
    private readonly threads: number,
    private readonly log: { error: (obj: unknown, msg: string) => void },
  ) {}

  decode(job: DecodeJob): Promise<DecodedBatch> {
    if (this.threads === 0 || this.closed || job.body.byteLength < INLINE_BELOW_BYTES) {
      return Promise.resolve(decodeBody(job))
    }
    // Threads start on the first large body: a daemon that never sees one never pays for them.
    while (this.slots.length < this.threads) this.slots.push(this.spawn())
    // The least busy thread.
    let slot = this.slots[0]!
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject })
      slot.worker.postMessage({ id, job })
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }

  private spawn(): Slot {
    const worker = startWorker(import.meta.url, 'batch-decode.worker')
    worker.unref()
    const slot: Slot = { worker, pending: new Map() }
    worker.on('message', (msg: { id: number; result: DecodedBatch }) => {
      const p = slot.pending.get(msg.id)
      slot.pending.delete(msg.id)
      p?.resolve(msg.result)
    })
    const fail = (err: unknown) => {
      for (const p of slot.pending.values()) p.reject(err)
      slot.pending.clear()
      if (this.closed) return
      this.log.error({ err }, 'batch decoding thread died; replacing it')
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots[i] = this.spawn()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => {
      if (!this.closed && code !== 0) fail(new Error(`decoding thread exited with code ${code}`))
    })
    return slot
  }
}
