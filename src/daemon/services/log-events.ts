/** What a pass of the worker processed: the queued logs with `from < id ≤ upTo`, and how many per project. */
export interface ProcessedBatch {
  from: number
  upTo: number
  counts: ReadonlyMap<number, number>
  /** Some logs of the range are of projects not known (committed by another daemon, unheard). */
  anyProject?: true
}

/**
 * In-process news of processed logs: the queue worker announces each committed pass, live tails
 * listen. Listeners are called synchronously, right after the commit, and must not throw or
 * block (a tail only schedules its own read).
 */
export class LogEvents {
  private readonly listeners = new Set<(batch: ProcessedBatch) => void>()

  /** @param processedUpTo the largest processed id at start (every smaller id is processed too). */
  constructor(private upTo: number) {}

  /** Every processed log has an id ≤ this, and every log with a smaller id is processed. */
  get processedUpTo(): number {
    return this.upTo
  }

  /** Called by the worker after each committed pass. */
  processed(pass: { upTo: number; counts: ReadonlyMap<number, number>; anyProject?: boolean }): void {
    if (pass.upTo <= this.upTo) return
    const batch: ProcessedBatch = { from: this.upTo, upTo: pass.upTo, counts: pass.counts }
    if (pass.anyProject) batch.anyProject = true
    this.upTo = pass.upTo
    for (const l of this.listeners) l(batch)
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: (batch: ProcessedBatch) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  get listenerCount(): number {
    return this.listeners.size
  }
}
