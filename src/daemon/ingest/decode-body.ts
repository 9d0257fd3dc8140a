import { decodeOtlpLogs, type OtlpEncoding } from './otlp/decode.js'
import { type DecodedBatch, decodeBatch } from './batch-decode.js'

/** What an ingestion body is: an `ingest/batch` JSON body, or an OTLP/HTTP logs request. */
export type BodyFormat = 'ingest-batch' | `otlp-${OtlpEncoding}`

/** One body to decode, as it crosses to a decoding thread. */
export interface DecodeJob {
  format: BodyFormat
  body: Uint8Array
  /** Also hash the body (for Idempotency-Key checks). */
  wantHash: boolean
  /** The request's arrival (epoch ms): the time of OTLP records that carry none. */
  receivedAt: number
}

/** Decodes and validates an ingestion body of any format into Ledger logs. Pure. */
export function decodeBody(job: DecodeJob): DecodedBatch {
  switch (job.format) {
    case 'ingest-batch':
      return decodeBatch(job.body, job.wantHash)
    case 'otlp-protobuf':
      return decodeOtlpLogs(job.body, 'protobuf', job.wantHash, job.receivedAt)
    case 'otlp-json':
      return decodeOtlpLogs(job.body, 'json', job.wantHash, job.receivedAt)
  }
}
