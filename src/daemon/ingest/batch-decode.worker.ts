import { parentPort } from 'node:worker_threads'
import { type DecodeJob, decodeBody } from './decode-body.js'

// A decoding thread: receives ingestion bodies, answers with decoded batches (same id).
parentPort?.on('message', (msg: { id: number; job: DecodeJob }) => {
  let result: ReturnType<typeof decodeBody>
  try {
    result = decodeBody(msg.job)
  } catch (err) {
    result = { ok: false, detail: `could not decode the body: ${(err as Error).message}` }
  }
  parentPort?.postMessage({ id: msg.id, result })
})
