// Log rows shared by every part of the benchmark, so each part stores the same data.
import type { Level, LogInput } from '../../src/contract/ingest.js'

const LEVELS: readonly Level[] = ['debug', 'info', 'info', 'info', 'warning', 'error']
const WORDS = [
  'request',
  'served',
  'user',
  'cache',
  'miss',
  'timeout',
  'connection',
  'refused',
  'retry',
  'payment',
] as const

/** The attributes of a bench log. */
export type BenchAttributes = { request_id: string; user_id: string; path: string }

/** A log of the bench, as a client sends it. */
export interface BenchLog extends LogInput {
  timestamp: string
  level: Level
  message: string
  error_type: string | null
  error_message: string | null
  attributes: BenchAttributes
}

/** The word `i` of WORDS, for any integer `i` (the index taken modulo their count). */
export function word(i: number): string {
  return WORDS[i % WORDS.length] ?? ''
}

/** `n` API-shaped logs starting at sequence `offset`, timestamps increasing (a live app). */
export function makeLogs(n: number, offset = 0, baseMs = Date.parse('2026-01-01T00:00:00Z')): BenchLog[] {
  const logs = new Array<BenchLog>(n)
  for (let i = 0; i < n; i++) {
    const k = offset + i
    const level = LEVELS[k % LEVELS.length] ?? 'info'
    logs[i] = {
      timestamp: new Date(baseMs + k * 10).toISOString(),
      level,
      log_type: level === 'error' ? 'exception' : 'logger',
      importance: level === 'error' ? 'high' : 'standard',
      message: `${word(k)} ${word(k * 7)} ${word(k * 3)} #${k} in ${k % 97} ms${k % 5000 === 17 ? ' deadlock detected' : ''}`,
      error_type: level === 'error' ? 'TimeoutError' : null,
      error_message: level === 'error' ? `upstream timed out after ${k % 30} s` : null,
      environment: 'production',
      release: 'v1.2.3',
      attributes: { request_id: `req_${k}`, user_id: String(k % 1000), path: `/api/items/${k % 50}` },
    }
  }
  return logs
}

const SEVERITY: Record<Level, number> = { debug: 5, info: 9, warning: 13, error: 17, critical: 21 }

/** An OTLP key-value pair with a string value (OTLP/JSON's shape, camelCase). */
interface OtlpKeyValue {
  key: string
  value: { stringValue: string }
}
const kv = (key: string, value: string): OtlpKeyValue => ({ key, value: { stringValue: value } })

/** An OTLP ExportLogsServiceRequest as a plain object (what protobufjs's `fromObject` takes). */
export interface OtlpRequest {
  resourceLogs: Array<{
    resource: { attributes: OtlpKeyValue[] }
    scopeLogs: Array<{
      scope: { name: string }
      logRecords: Array<{
        timeUnixNano: string
        severityNumber: number
        body: { stringValue: string }
        attributes: OtlpKeyValue[]
      }>
    }>
  }>
}

/** The same logs as `makeLogs` as an OTLP ExportLogsServiceRequest (plain object, camelCase). */
export function makeOtlpRequest(n: number, offset = 0): OtlpRequest {
  const logRecords = makeLogs(n, offset).map((l) => ({
    timeUnixNano: String(BigInt(Date.parse(l.timestamp)) * 1_000_000n),
    severityNumber: SEVERITY[l.level],
    body: { stringValue: l.message },
    attributes: [
      kv('request_id', l.attributes.request_id),
      kv('user_id', l.attributes.user_id),
      kv('path', l.attributes.path),
      ...(l.error_type ? [kv('exception.type', l.error_type), kv('exception.message', l.error_message ?? '')] : []),
    ],
  }))
  const resource = {
    attributes: [kv('service.name', 'bench'), kv('deployment.environment.name', 'production'), kv('service.version', 'v1.2.3')],
  }
  return { resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'bench' }, logRecords }] }] }
}
