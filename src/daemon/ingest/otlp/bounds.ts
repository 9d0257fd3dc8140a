import protobuf from 'protobufjs'
import { MAX_CONTAINERS, MAX_DEPTH } from '../json.js'

/**
 * Log records one request may carry. Beyond it the request is refused (400), not cut: one
 * request is one group commit, and a commit of tens of thousands of rows holds the event loop
 *. The JS SDK sends 512 per request, the Collector's batch processor 8192.
 */
export const OTLP_MAX_RECORDS = 10_000
/** `ResourceLogs`, and `ScopeLogs` in all, one request may carry (each holds records). */
export const OTLP_MAX_CONTAINERS = 10_000
/**
 * Decoded values (every message: resources, scopes, records, attributes and their values) one
 * protobuf request may carry, as many as the objects and arrays of a JSON body. protobufjs
 * builds an object for each, ~150 bytes once converted: 10 KiB of gzip can hold 5 million empty
 * `ResourceLogs` (~1 GB), so they are counted on the wire before anything is decoded.
 */
export const OTLP_MAX_VALUES = MAX_CONTAINERS

const RESOURCE_LOGS = '.opentelemetry.proto.logs.v1.ResourceLogs'
const SCOPE_LOGS = '.opentelemetry.proto.logs.v1.ScopeLogs'
const LOG_RECORD = '.opentelemetry.proto.logs.v1.LogRecord'

interface Counts {
  values: number
  resources: number
  scopes: number
  records: number
}

/** Why a request with these counts is refused, or null. */
function tooMany(c: Counts): string | null {
  if (c.records > OTLP_MAX_RECORDS) {
    return `A request may carry at most ${OTLP_MAX_RECORDS} log records (got ${c.records}); lower the exporter's batch size`
  }
  if (c.resources > OTLP_MAX_CONTAINERS) {
    return `A request may carry at most ${OTLP_MAX_CONTAINERS} ResourceLogs (got ${c.resources})`
  }
  if (c.scopes > OTLP_MAX_CONTAINERS) {
    return `A request may carry at most ${OTLP_MAX_CONTAINERS} ScopeLogs in all (got ${c.scopes})`
  }
  return null
}

const valuesDetail = () =>
  `A request may carry at most ${OTLP_MAX_VALUES} values in all (resources, scopes, records, attributes and their values)`

/** What the scan needs of a message type: per field number, its embedded type or repetition. */
interface Plan {
  /** 0 plain, 1 ResourceLogs, 2 ScopeLogs, 3 LogRecord (what a message of this type counts as). */
  kind: number
  fields: Map<number, { message: Plan | null; repeated: boolean }>
}

const plans = new WeakMap<protobuf.Type, Plan>()

/** The plan of a type (and of the types it embeds), built once from protobufjs' reflection. */
function planOf(type: protobuf.Type): Plan {
  const known = plans.get(type)
  if (known) return known
  const name = type.fullName
  const kind = name === RESOURCE_LOGS ? 1 : name === SCOPE_LOGS ? 2 : name === LOG_RECORD ? 3 : 0
  const plan: Plan = { kind, fields: new Map() }
  plans.set(type, plan)
  for (const field of type.fieldsArray) {
    field.resolve()
    const sub = field.resolvedType
    plan.fields.set(field.id, { message: sub instanceof protobuf.Type ? planOf(sub) : null, repeated: field.repeated })
  }
  return plan
}

/** A cursor over protobuf wire data: varints and skips, no allocation. */
class Wire {
  pos = 0
  constructor(readonly buf: Uint8Array) {}

  varint(): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new RangeError(`index out of range: ${this.pos} + 1 > ${this.buf.length}`)
      const b = this.buf[this.pos++]!
      value += (b & 0x7f) * scale
      if (b < 0x80) return value
      scale *= 128
    }
    throw new Error('invalid varint encoding')
  }

  /** Skips a field's value of this wire type; `field`: its number (groups end with it). */
  skip(wire: number, field: number, end: number): void {
    if (wire === 0) this.varint()
    else if (wire === 1) this.pos += 8
    else if (wire === 2) {
      const length = this.varint()
      this.pos += length
    }
    else if (wire === 5) this.pos += 4
    else if (wire === 3) {
      for (;;) {
        if (this.pos >= end) throw new RangeError('unterminated group')
        const tag = this.varint()
        if ((tag & 7) === 4) {
          if (Math.floor(tag / 8) !== field) throw new Error('invalid end group tag')
          return
        }
        this.skip(tag & 7, Math.floor(tag / 8), end)
      }
    } else throw new Error(`invalid wire type ${wire} at offset ${this.pos}`)
    if (this.pos > end) throw new RangeError(`index out of range: ${this.pos} > ${end}`)
  }
}

/**
 * Walks the protobuf wire format of one message along its type, counting the embedded
 * messages and the elements of repeated fields, without building anything. Stops at the first
 * value past the bound. Throws (as protobufjs would) on a malformed body.
 */
function scan(w: Wire, end: number, plan: Plan, depth: number, c: Counts): string | null {
  while (w.pos < end) {
    const tag = w.varint()
    const wire = tag & 7
    const id = Math.floor(tag / 8)
    const field = plan.fields.get(id)
    if (wire === 2 && field?.message) {
      const length = w.varint()
      const stop = w.pos + length
      if (stop > end) throw new RangeError(`index out of range: ${stop} > ${end}`)
      if (++c.values > OTLP_MAX_VALUES) return valuesDetail()
      const sub = field.message
      if (sub.kind === 1) c.resources++
      else if (sub.kind === 2) c.scopes++
      else if (sub.kind === 3) c.records++
      if (depth >= MAX_DEPTH) return `Request body nests deeper than ${MAX_DEPTH} levels`
      const refused = scan(w, stop, sub, depth + 1, c)
      if (refused) return refused
      w.pos = stop
    } else {
      if (field?.repeated && ++c.values > OTLP_MAX_VALUES) return valuesDetail()
      w.skip(wire, id, end)
    }
  }
  return null
}

/**
 * Why a protobuf `ExportLogsServiceRequest` is too large to decode, or null: counted on the
 * wire, before protobufjs builds the whole request at once. Throws on a malformed body.
 */
export function protobufTooLarge(body: Uint8Array, request: protobuf.Type): string | null {
  const counts: Counts = { values: 0, resources: 0, scopes: 0, records: 0 }
  return scan(new Wire(body), body.length, planOf(request), 0, counts) ?? tooMany(counts)
}

/** The array at `camel` (OTLP/JSON) or `snake` (ProtoJSON also takes it) of an object, or []. */
export function listAt(o: unknown, camel: string, snake: string): unknown[] {
  if (typeof o !== 'object' || o === null) return []
  const v = (o as Record<string, unknown>)[camel] ?? (o as Record<string, unknown>)[snake]
  return Array.isArray(v) ? v : []
}

/**
 * Why an OTLP/JSON request (parsed, not yet converted) carries too many records or
 * containers, or null. The values in all are bounded by the JSON parser (MAX_CONTAINERS).
 */
export function jsonTooLarge(request: Record<string, unknown>): string | null {
  const counts: Counts = { values: 0, resources: 0, scopes: 0, records: 0 }
  const resources = listAt(request, 'resourceLogs', 'resource_logs')
  counts.resources = resources.length
  for (const rl of resources) {
    const scopes = listAt(rl, 'scopeLogs', 'scope_logs')
    counts.scopes += scopes.length
    for (const sl of scopes) counts.records += listAt(sl, 'logRecords', 'log_records').length
  }
  return tooMany(counts)
}
