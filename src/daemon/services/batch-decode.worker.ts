import { parentPort } from 'node:worker_threads'
import { decodeBatch } from './batch-decode.js'

// A decoding thread: receives batch bodies, answers with decoded batches (same id).
parentPort?.on('message', (msg: { id: number; body: Uint8Array; wantHash: boolean }) => {
  let result: ReturnType<typeof decodeBatch>
  try {
    result = decodeBatch(msg.body, msg.wantHash)
  } catch (err) {
    result = { ok: false, detail: `could not decode the batch: ${(err as Error).message}` }
  }
  parentPort?.postMessage({ id: msg.id, result })
})
