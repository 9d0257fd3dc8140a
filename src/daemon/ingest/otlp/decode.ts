import { createHash } from 'node:crypto'
import protojson from 'protobufjs/ext/protojson.js'
import { validateLog } from '../../../contract/ingest.js'
import { parseJsonBody } from '../json.js'
import { type DecodedBatch, emptyColumns, pushLog } from '../batch-decode.js'
import { jsonTooLarge, listAt, protobufTooLarge } from './bounds.js'
import { type OtlpLogsRequest, resourceEntries, toLogInput } from './mapping.js'
import { otlpTypes } from './schema.js'

/** How an OTLP/HTTP body is encoded (from its Content-Type). */
export type OtlpEncoding = 'protobuf' | 'json'

const ID_FIELDS = ['traceId', 'trace_id', 'spanId', 'span_id']

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * OTLP/JSON spells trace and span ids in hex, where ProtoJSON expects base64 for `bytes`:
 * rewrites them in place before the ProtoJSON parse. An id that is not hex is invalid, and
 * the OTLP spec has receivers treat a record with an invalid id as having none.
 */
function hexIdsToBase64(request: Record<string, unknown>): void {
  for (const rl of listAt(request, 'resourceLogs', 'resource_logs')) {
    if (!isObject(rl)) continue
    for (const sl of listAt(rl, 'scopeLogs', 'scope_logs')) {
      if (!isObject(sl)) continue
      for (const rec of listAt(sl, 'logRecords', 'log_records')) {
        if (!isObject(rec)) continue
        for (const f of ID_FIELDS) {
          const id = rec[f]
          if (typeof id !== 'string') continue
          rec[f] = /^([0-9a-fA-F]{2})*$/.test(id) ? Buffer.from(id, 'hex').toString('base64') : ''
        }
      }
    }
  }
}

/** Bytes → the request as plain objects, or the reason it cannot be read. */
function parseRequest(
  body: Uint8Array,
  encoding: OtlpEncoding,
): { ok: true; value: OtlpLogsRequest } | { ok: false; detail: string } {
  const { request } = otlpTypes()
  let message: object
  if (encoding === 'protobuf') {
    try {
      // Counted on the wire first: decode() builds every message of the body at once.
      const refused = protobufTooLarge(body, request)
      if (refused) return { ok: false, detail: refused }
      message = request.decode(body)
    } catch (err) {
      return { ok: false, detail: `Malformed protobuf body: not an ExportLogsServiceRequest (${(err as Error).message})` }
    }
  } else {
    const parsed = parseJsonBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
    if (!parsed.ok) return parsed
    if (!isObject(parsed.value)) {
      return { ok: false, detail: 'Request body must be a JSON object (an ExportLogsServiceRequest)' }
    }
    const refused = jsonTooLarge(parsed.value)
    if (refused) return { ok: false, detail: refused }
    hexIdsToBase64(parsed.value)
    try {
      // OTLP/JSON receivers must ignore fields they do not know.
      message = protojson.fromJson(request, parsed.value, { ignoreUnknownFields: true })
    } catch (err) {
      return { ok: false, detail: `Invalid OTLP/JSON body: ${(err as Error).message.replace(/^\.opentelemetry\.proto\.[a-z.0-9]*\./, '')}` }
    }
  }
  const value = request.toObject(message as never, { longs: String, enums: Number, defaults: false })
  return { ok: true, value: value as OtlpLogsRequest }
}

/**
 * Decodes an OTLP/HTTP `ExportLogsServiceRequest` (protobuf or JSON) into Ledger logs,
 * validated by the same rules as `ingest/batch`, within the bounds of `bounds.ts` (checked
 * before the request is built). A record that breaks them is reported as
 * `Log <index>: …` (index across the whole request) and the others are kept; an empty request
 * is valid. Pure (no I/O), so it runs on a decoding thread for large bodies.
 */
export function decodeOtlpLogs(
  body: Uint8Array,
  encoding: OtlpEncoding,
  wantHash: boolean,
  receivedAt: number,
): DecodedBatch {
  const parsed = parseRequest(body, encoding)
  if (!parsed.ok) return parsed
  const logs = emptyColumns()
  const indexes: number[] = []
  const errors: string[] = []
  let total = 0
  for (const rl of parsed.value.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) total += sl.logRecords?.length ?? 0
  }
  let i = 0
  for (const rl of parsed.value.resourceLogs ?? []) {
    const resource = resourceEntries(rl)
    for (const sl of rl.scopeLogs ?? []) {
      const ctx = { resource, scope: sl.scope, receivedAt }
      for (const record of sl.logRecords ?? []) {
        const r = validateLog(toLogInput(record, ctx))
        if (r.ok) {
          pushLog(logs, r.value)
          indexes.push(i)
        } else {
          errors.push(`Log ${i}: ${r.detail}`)
        }
        i++
      }
    }
  }
  const bodyHash = wantHash ? createHash('sha256').update(body).digest('hex') : null
  return { ok: true, total, logs, indexes, errors, bodyHash }
}
