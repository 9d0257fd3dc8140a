import { createHash } from 'node:crypto'
import { BatchRequestSchema, LOG_LIMITS, type ValidLog, validateLog } from '../../contract/ingest.js'
import { formatBatchError } from '../../contract/batch-errors.js'
import { compileFieldCode, LOG_FIELDS } from '../../contract/log-fields.js'
import { safeParseReadable } from '../../contract/validation.js'
import type { LogColumns as StoredColumns } from '../storage/types.js'
import { parseJsonBody } from './json.js'

/**
 * Validated logs as columns: one array per field, the same index for the same log. Columns of
 * primitives cross a thread boundary far cheaper than an array of objects.
 */
export type LogColumns = StoredColumns

export function emptyColumns(): LogColumns {
  const c = { length: 0 } as Record<string, unknown>
  for (const f of LOG_FIELDS) c[f] = []
  return c as LogColumns
}

/** Appends a validated log to the columns (generated from the field table: the decoding hot path). */
export const pushLog = compileFieldCode<(c: LogColumns, v: ValidLog) => void>(
  ['c', 'v'],
  `${LOG_FIELDS.map((f) => `c.${f}.push(v.${f});`).join('\n')}\nc.length++;`,
)

/** A batch body, decoded: the valid logs (with their indexes in the request) and the errors. */
export type DecodedBatch =
  | { ok: false; detail: string }
  | {
      ok: true
      total: number
      logs: LogColumns
      /** Index in the request of each valid log, in order. */
      indexes: number[]
      errors: string[]
      /** SHA-256 of the body, for Idempotency-Key checks (only when asked). */
      bodyHash: string | null
    }

/**
 * Parses and validates an `ingest/batch` body: JSON (prototype poisoning refused), the
 * `{logs: [...]}` shape and the batch size, then each log. Pure, so it runs on the main thread
 * for small bodies and in a worker thread for large ones.
 */
export function decodeBatch(body: Uint8Array | string, wantHash: boolean): DecodedBatch {
  const text =
    typeof body === 'string'
      ? body
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
  const parsed = parseJsonBody(text)
  if (!parsed.ok) return parsed
  const b = safeParseReadable(BatchRequestSchema, parsed.value)
  if (!b.ok) return { ok: false, detail: b.detail }
  const list = b.value.logs
  if (list.length === 0) return { ok: false, detail: 'logs must contain at least one log' }
  if (list.length > LOG_LIMITS.batch) {
    return { ok: false, detail: `logs must contain at most ${LOG_LIMITS.batch} logs (got ${list.length})` }
  }
  const logs = emptyColumns()
  const indexes: number[] = []
  const errors: string[] = []
  for (let i = 0; i < list.length; i++) {
    const r = validateLog(list[i])
    if (r.ok) {
      pushLog(logs, r.value)
      indexes.push(i)
    } else {
      errors.push(formatBatchError(i, r.detail))
    }
  }
  if (logs.length === 0)
    return { ok: false, detail: `All ${list.length} logs are invalid; first: ${errors[0]}` }
  const bodyHash = wantHash ? createHash('sha256').update(text).digest('hex') : null
  return { ok: true, total: list.length, logs, indexes, errors, bodyHash }
}
