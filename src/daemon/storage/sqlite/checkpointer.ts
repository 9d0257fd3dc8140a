import type { Worker } from 'node:worker_threads'
import { startWorker, stopWorker } from '../../workers/threads.js'
import type { CheckpointReply } from './checkpoint.worker.js'

export interface CheckpointStatus {
  /** WAL frames at the last checkpoint, and how many of them were copied. */
  wal_frames: number
  checkpointed_frames: number
  last_error: string | null
}

/**
 * Runs the main file's WAL checkpoints on a background thread (see checkpoint.worker.ts), and
 * tells `onPass` after each one how many frames the WAL holds.
 */
export class Checkpointer {
  private readonly worker: Worker
  readonly status: CheckpointStatus = { wal_frames: 0, checkpointed_frames: 0, last_error: null }

  constructor(
    file: string,
    durability: 'normal' | 'full',
    /** After each pass, with the WAL's frames then (the main thread finishes the copy). */
    onPass: (frames: number) => void,
    intervalMs = 250,
  ) {
    this.worker = startWorker(import.meta.url, 'checkpoint.worker', {
      workerData: { file, intervalMs, synchronous: durability === 'full' ? 'FULL' : 'NORMAL' },
    })
    this.worker.unref()
    this.worker.on('message', (m: CheckpointReply) => {
      if (m.type === 'checkpoint') {
        this.status.wal_frames = m.log ?? 0
        this.status.checkpointed_frames = m.checkpointed ?? 0
        this.status.last_error = null
        onPass(m.log ?? 0)
      } else {
        this.status.last_error = m.message ?? 'checkpoint failed'
      }
    })
    this.worker.on('error', (err) => {
      this.status.last_error = err.message
    })
  }

  close(): Promise<void> {
    return stopWorker(this.worker, { type: 'close' }, 2000)
  }
}
