import protobuf from 'protobufjs'
import { COMMON_PROTO } from './proto/common.js'
import { LOGS_PROTO } from './proto/logs.js'
import { LOGS_SERVICE_PROTO } from './proto/logs-service.js'
import { RESOURCE_PROTO } from './proto/resource.js'

/** The reflected OTLP message types the logs endpoint reads and writes. */
export interface OtlpTypes {
  readonly request: protobuf.Type
  readonly response: protobuf.Type
}

let types: OtlpTypes | undefined

/**
 * The OTLP logs messages, parsed from the definitions kept in `proto/` on first use (not at
 * import time) and cached. Field names are camelCase, as OTLP/JSON spells them.
 */
export function otlpTypes(): OtlpTypes {
  if (types) return types
  const root = new protobuf.Root()
  for (const source of [COMMON_PROTO, RESOURCE_PROTO, LOGS_PROTO, LOGS_SERVICE_PROTO]) {
    protobuf.parse(source, root, { keepCase: false })
  }
  root.resolveAll()
  types = {
    request: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
  }
  return types
}
