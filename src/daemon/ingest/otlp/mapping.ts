import type { Level, LogInput } from '../../../contract/ingest.js'

// OTLP log records as `toObject` gives them (longs as decimal strings, enums as numbers, bytes
// as Buffers, unset fields absent): the same shape whether the body was protobuf or JSON.

export interface OtlpAnyValue {
  stringValue?: string
  boolValue?: boolean
  intValue?: string
  doubleValue?: number
  arrayValue?: { values?: OtlpAnyValue[] }
  kvlistValue?: { values?: OtlpKeyValue[] }
  bytesValue?: Uint8Array
}
export interface OtlpKeyValue {
  key?: string
  value?: OtlpAnyValue
}
export interface OtlpLogRecord {
  timeUnixNano?: string
  observedTimeUnixNano?: string
  severityNumber?: number
  severityText?: string
  body?: OtlpAnyValue
  attributes?: OtlpKeyValue[]
  flags?: number
  traceId?: Uint8Array
  spanId?: Uint8Array
  eventName?: string
}
export interface OtlpScope {
  name?: string
  version?: string
}
export interface OtlpScopeLogs {
  scope?: OtlpScope
  logRecords?: OtlpLogRecord[]
}
export interface OtlpResourceLogs {
  resource?: { attributes?: OtlpKeyValue[] }
  scopeLogs?: OtlpScopeLogs[]
}
export interface OtlpLogsRequest {
  resourceLogs?: OtlpResourceLogs[]
}

/** severityNumber ranges of the OpenTelemetry log data model → Ledger levels (README table). */
export function levelOfNumber(n: number | undefined): Level | null {
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 24) return null
  if (n <= 8) return 'debug' // TRACE 1-4, DEBUG 5-8
  if (n <= 12) return 'info'
  if (n <= 16) return 'warning'
  if (n <= 20) return 'error'
  return 'critical' // FATAL 21-24
}

const TEXT_LEVELS: Record<string, Level> = {
  trace: 'debug',
  debug: 'debug',
  verbose: 'debug',
  fine: 'debug',
  finer: 'debug',
  finest: 'debug',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  err: 'error',
  severe: 'error',
  fatal: 'critical',
  critical: 'critical',
  crit: 'critical',
  alert: 'critical',
  emerg: 'critical',
  emergency: 'critical',
  panic: 'critical',
}

/** A level from severityText when severityNumber is unset (`WARN`, `Warning`, `ERROR2`…). */
export function levelOfText(text: string | undefined): Level | null {
  if (!text) return null
  const key = text.trim().toLowerCase().replace(/[0-9]+$/, '')
  return Object.hasOwn(TEXT_LEVELS, key) ? TEXT_LEVELS[key]! : null
}

/** The Ledger level of a record: its severityNumber, else its severityText, else info. */
export function levelOf(r: OtlpLogRecord): Level {
  return levelOfNumber(r.severityNumber) ?? levelOfText(r.severityText) ?? 'info'
}

/**
 * An AnyValue as plain JSON: ints as numbers while exact (else their decimal string), doubles
 * that JSON cannot hold (NaN, ±Infinity) as strings, bytes as base64, an empty value as null.
 */
export function plainValue(v: OtlpAnyValue | undefined): unknown {
  if (!v) return null
  if (v.stringValue !== undefined) return v.stringValue
  if (v.boolValue !== undefined) return v.boolValue
  if (v.intValue !== undefined) {
    const n = Number(v.intValue)
    return Number.isSafeInteger(n) ? n : v.intValue
  }
  if (v.doubleValue !== undefined) return Number.isFinite(v.doubleValue) ? v.doubleValue : String(v.doubleValue)
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plainValue)
  if (v.kvlistValue) return Object.fromEntries(entries(v.kvlistValue.values))
  if (v.bytesValue) return Buffer.from(v.bytesValue).toString('base64')
  return null
}

/** Key-value pairs as [key, plain value] (a repeated key: the last one wins). */
function entries(list: OtlpKeyValue[] | undefined): Array<[string, unknown]> {
  return (list ?? []).map((kv) => [kv.key ?? '', plainValue(kv.value)])
}

/** A value as text for a text column: strings as they are, anything else as JSON. */
function asText(v: unknown): string | null {
  if (v === undefined || v === null) return null
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** A trace or span id as lowercase hex, or null when invalid (wrong length, all zeroes). */
function idHex(id: Uint8Array | undefined, length: number): string | null {
  if (!id || id.length !== length || id.every((b) => b === 0)) return null
  return Buffer.from(id).toString('hex')
}

/** Nanoseconds since the epoch (decimal string) → ms, or null for unset/0. */
function nanosToMs(nanos: string | undefined): number | null {
  if (!nanos || nanos === '0') return null
  return Number(BigInt(nanos) / 1_000_000n)
}

/** The resource attributes that also fill a column of their own (all stay in attributes). */
const ENVIRONMENT_KEYS = ['deployment.environment.name', 'deployment.environment']
const EXCEPTION_KEYS = ['exception.type', 'exception.message', 'exception.stacktrace']

/** What a record shares with the others of its resource and scope. */
export interface RecordContext {
  resource: ReadonlyArray<[string, unknown]>
  scope: OtlpScope | undefined
  /** Used when the record has neither time (epoch ms). */
  receivedAt: number
}

/**
 * One OTLP log record as a Ledger log (validated afterwards like any other, README mapping):
 * level from severity, message from body, timestamp from time (else observed time, else
 * now), resource + scope + record attributes merged under their dotted names (the record's
 * win), trace/span ids kept as hex, exception.* moved into the error columns.
 */
export function toLogInput(r: OtlpLogRecord, ctx: RecordContext): LogInput {
  const attrs = new Map<string, unknown>(ctx.resource)
  if (ctx.scope?.name) attrs.set('otel.scope.name', ctx.scope.name)
  if (ctx.scope?.version) attrs.set('otel.scope.version', ctx.scope.version)
  for (const [k, v] of entries(r.attributes)) attrs.set(k, v)

  const traceId = idHex(r.traceId, 16)
  const spanId = idHex(r.spanId, 8)
  if (traceId) {
    attrs.set('trace_id', traceId)
    attrs.set('trace_flags', ((r.flags ?? 0) & 0xff).toString(16).padStart(2, '0'))
  }
  if (spanId) attrs.set('span_id', spanId)
  if (r.severityText) attrs.set('severity_text', r.severityText)
  if (r.severityNumber) attrs.set('severity_number', r.severityNumber)
  if (r.eventName) attrs.set('event.name', r.eventName)

  const [errorType, errorMessage, stackTrace] = EXCEPTION_KEYS.map((k) => {
    const v = asText(attrs.get(k))
    attrs.delete(k)
    return v
  })
  const environment = ENVIRONMENT_KEYS.map((k) => asText(attrs.get(k))).find((v) => v !== null) ?? null

  const ms = nanosToMs(r.timeUnixNano) ?? nanosToMs(r.observedTimeUnixNano) ?? ctx.receivedAt
  const body = plainValue(r.body)
  return {
    timestamp: new Date(ms).toISOString(),
    level: levelOf(r),
    log_type: 'logger',
    importance: 'standard',
    message: asText(body) ?? errorMessage,
    error_type: errorType,
    error_message: errorMessage,
    stack_trace: stackTrace,
    environment,
    release: asText(attrs.get('service.version')),
    sdk_version: asText(attrs.get('telemetry.sdk.version')),
    platform: asText(attrs.get('telemetry.sdk.language')),
    platform_version: asText(attrs.get('process.runtime.version')),
    // fromEntries defines own properties: a "__proto__" attribute stays an attribute.
    attributes: attrs.size > 0 ? Object.fromEntries(attrs) : null,
  }
}

/** A resource's attributes, converted once for all its records. */
export function resourceEntries(rl: OtlpResourceLogs): Array<[string, unknown]> {
  return entries(rl.resource?.attributes)
}
