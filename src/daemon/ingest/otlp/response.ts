import protojson from 'protobufjs/ext/protojson.js'
import type { BatchIngestResponse } from '../../../contract/ingest.js'
import type { ExportLogsServiceResponse } from '../../../contract/otlp.js'
import type { OtlpEncoding } from './decode.js'
import { otlpTypes } from './schema.js'

/** Reasons quoted in a partial success's message; the count says how many there were. */
const QUOTED_ERRORS = 5

export const OTLP_CONTENT_TYPES: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
}

/**
 * The `ExportLogsServiceResponse` for an ingestion result, in the request's encoding: empty on
 * full success; with `partialSuccess` (how many records were rejected, and why) otherwise.
 */
export function exportLogsResponse(
  result: BatchIngestResponse,
  encoding: OtlpEncoding,
): { contentType: string; payload: Buffer | ExportLogsServiceResponse } {
  const { response } = otlpTypes()
  const message: { partialSuccess?: { rejectedLogRecords: number; errorMessage: string } } = {}
  if (result.rejected > 0) {
    const errors = result.errors ?? []
    const more = errors.length > QUOTED_ERRORS ? `; and ${errors.length - QUOTED_ERRORS} more` : ''
    message.partialSuccess = {
      rejectedLogRecords: result.rejected,
      errorMessage:
        `${result.rejected} of ${result.accepted + result.rejected} log records rejected: ` +
        errors.slice(0, QUOTED_ERRORS).join('; ') +
        more,
    }
  }
  const contentType = OTLP_CONTENT_TYPES[encoding]
  if (encoding === 'protobuf') {
    const bytes = response.encode(response.fromObject(message)).finish()
    return { contentType, payload: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) }
  }
  return { contentType, payload: protojson.toJson(response, message) as ExportLogsServiceResponse }
}
