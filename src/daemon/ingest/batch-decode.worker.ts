import { type DecodeJob, decodeBody } from './decode-body.js'
import type { DecodedBatch } from './batch-decode.js'
import { serveCalls } from '../workers/call-pool.js'
import { nameThread } from '../workers/threads.js'

// A decoding thread: receives ingestion bodies, answers with decoded batches.
nameThread('ledger-decode')
serveCalls<DecodeJob, DecodedBatch>((job) => {
  try {
    return decodeBody(job)
  } catch (err) {
    return { ok: false, detail: `could not decode the body: ${(err as Error).message}` }
  }
})
