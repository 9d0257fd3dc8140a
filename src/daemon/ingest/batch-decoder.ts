import type { DecodedBatch } from './batch-decode.js'
import { type DecodeJob, decodeBody } from './decode-body.js'
import { CallPool } from '../workers/call-pool.js'

/** Bodies smaller than this are decoded inline: the thread hop would cost more than it saves. */
const INLINE_BELOW_BYTES = 64 * 1024

/**
 * Decodes large ingestion bodies (`ingest/batch` JSON, OTLP protobuf or JSON: parse +
 * validation, ~40% of ingestion's CPU) on worker
 * threads, so the main thread spends its time on SQLite. A crashed thread is replaced and its
 * requests fail with a 500; nothing is half-written since decoding writes nothing.
 */
export class BatchDecoder {
  private readonly pool: CallPool<DecodeJob, DecodedBatch>
  private closed = false

  constructor(
    private readonly threads: number,
    log: { error: (obj: unknown, msg: string) => void },
  ) {
    this.pool = new CallPool({ base: import.meta.url, module: 'batch-decode.worker', threads, what: 'batch decoding', log })
  }

  decode(job: DecodeJob): Promise<DecodedBatch> {
    if (this.threads === 0 || this.closed || job.body.byteLength < INLINE_BELOW_BYTES) {
      return Promise.resolve(decodeBody(job))
    }
    return this.pool.call(job)
  }

  async close(): Promise<void> {
    this.closed = true
    await this.pool.close()
  }
}
