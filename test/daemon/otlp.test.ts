import { gzipSync } from 'node:zlib'
import { context, diag, type DiagLogger, DiagLogLevel, trace, TraceFlags } from '@opentelemetry/api'
import { type Logger, SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs'
import { type ExportResult, ExportResultCode } from '@opentelemetry/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerClient, RawResponse } from '../../src/client/index.js'
import type { Log } from '../../src/contract/ingest.js'
import { expectError } from '../helpers/assertions.js'
import { accountWithKey, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'

// OTLP/HTTP logs (issue #10): the real OpenTelemetry JS SDK and its two OTLP exporters send to
// a running daemon, and what they sent is read back through GET /api/v1/logs.

const TRACE_ID = '5b8efff798038103d269b633813fc60c'
const SPAN_ID = 'eee19b7ec3c1b174'
const RESOURCE = {
  'service.name': 'checkout',
  'service.version': '2.4.1',
  'deployment.environment.name': 'staging',
  'host.name': 'web-1',
}

type Kind = 'json' | 'proto'

/** The resource an application has: the SDK's defaults (telemetry.sdk.*) plus its own. */
const resource = () => defaultResource().merge(resourceFromAttributes(RESOURCE))

/** An SDK set up as an application would: a resource, a batch processor, an OTLP exporter. */
function sdk(url: string, kind: Kind, headers: Record<string, string>, opts: { gzip?: boolean } = {}) {
  const config = { url: `${url}/v1/logs`, headers, ...(opts.gzip ? { compression: 'gzip' as never } : {}) }
  const exporter = kind === 'json' ? new JsonExporter(config) : new ProtoExporter(config)
  const provider = new LoggerProvider({
    resource: resource(),
    processors: [new BatchLogRecordProcessor({ exporter })],
  })
  return {
    logger: provider.getLogger('checkout-http', '1.4.0'),
    /** Exports everything emitted (and waits for the daemon's answers). */
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  }
}

/** The SDK's own records for a few emits (to encode with the OTel serializers, or export). */
async function sdkRecords(emit: (logger: Logger) => void): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({ resource: resource(), processors: [new SimpleLogRecordProcessor({ exporter: memory })] })
  emit(provider.getLogger('manual', '0.1.0'))
  await provider.forceFlush()
  const records = memory.getFinishedLogRecords()
  expect(records.length).toBeGreaterThan(0)
  return records
}

/** One export by an OTLP exporter, with its result (the exporter's own view of the answer). */
function exportOnce(url: string, kind: Kind, headers: Record<string, string>, records: ReadableLogRecord[]) {
  const config = { url: `${url}/v1/logs`, headers }
  const exporter = kind === 'json' ? new JsonExporter(config) : new ProtoExporter(config)
  return new Promise<ExportResult>((resolve) => exporter.export(records, resolve)).finally(() => exporter.shutdown())
}

const PROTOBUF = { 'content-type': 'application/x-protobuf' }
const JSON_TYPE = { 'content-type': 'application/json' }

function postOtlp(client: LedgerClient, body: Buffer | string, headers: Record<string, string>): Promise<RawResponse> {
  return client.raw('POST', '/v1/logs', { rawBody: body, headers })
}

/** All of a key's project's logs (newest first), by message. */
async function logsByMessage(client: LedgerClient): Promise<Map<string | null, Log>> {
  const page = await client.logs({ limit: '1000' })
  return new Map(page.logs.map((l) => [l.message, l]))
}

/** Captures the SDK's diagnostics (where the exporters report a partial success). */
function captureDiag(): { lines: string[]; stop(): void } {
  const lines: string[] = []
  const push = (...args: unknown[]) => lines.push(args.map((a) => (typeof a === 'string' ? a : String(a))).join(' '))
  const logger: DiagLogger = { error: push, warn: push, info: push, debug: () => {}, verbose: () => {} }
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true })
  return { lines, stop: () => diag.disable() }
}

let d: TestDaemon
beforeAll(async () => {
  d = await startTestDaemon()
})
afterAll(async () => {
  await d?.close()
})
afterEach(() => {
  diag.disable()
})

describe.each<Kind>(['json', 'proto'])('the OpenTelemetry JS SDK with the %s exporter', (kind) => {
  it('delivers logs that read back with level, message, timestamp, attributes, resource and trace ids', async () => {
    const { keyClient, key, project } = await accountWithKey(d.client, `sdk-${kind}`)
    const app = sdk(d.url, kind, { authorization: `Bearer ${key.full_key}` })
    const spanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED }
    const when = Date.parse('2025-10-17T10:00:00.123Z')
    app.logger.emit({
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: 'order placed',
      timestamp: when,
      attributes: { 'order.id': 'A-17', 'order.items': 3, 'order.total': 12.5, paid: true, tags: ['a', 'b'] },
      context: trace.setSpanContext(context.active(), spanContext),
    })
    app.logger.emit({ severityNumber: SeverityNumber.WARN, body: 'stock low' })
    app.logger.emit({ severityNumber: SeverityNumber.DEBUG2, body: 'cache miss' })
    app.logger.emit({ severityNumber: SeverityNumber.FATAL, body: 'disk full' })
    app.logger.emit({ severityText: 'error', body: { event: 'refund', amount: 3 } })
    await app.flush()
    await app.shutdown()

    const logs = await logsByMessage(keyClient)
    expect(logs.size).toBe(5)
    const placed = logs.get('order placed')!
    expect(placed).toMatchObject({
      project_id: project.project_id,
      timestamp: '2025-10-17T10:00:00.123Z',
      level: 'info',
      log_type: 'logger',
      importance: 'standard',
      environment: 'staging',
      release: '2.4.1',
      platform: 'nodejs',
      error_type: null,
    })
    expect(placed.sdk_version).toMatch(/^\d+\.\d+\.\d+/)
    expect(placed.attributes).toMatchObject({
      'order.id': 'A-17',
      'order.items': 3,
      'order.total': 12.5,
      paid: true,
      tags: ['a', 'b'],
      'service.name': 'checkout',
      'service.version': '2.4.1',
      'deployment.environment.name': 'staging',
      'host.name': 'web-1',
      'telemetry.sdk.language': 'nodejs',
      'otel.scope.name': 'checkout-http',
      'otel.scope.version': '1.4.0',
      trace_id: TRACE_ID,
      span_id: SPAN_ID,
      trace_flags: '01',
      severity_text: 'INFO',
      severity_number: 9,
    })
    expect(logs.get('stock low')!.level).toBe('warning')
    expect(logs.get('cache miss')!.level).toBe('debug')
    expect(logs.get('disk full')!.level).toBe('critical')
    // No severityNumber: the text decides. A structured body is stored as its JSON.
    const refund = logs.get('{"event":"refund","amount":3}')
    expect(refund?.level).toBe('error')
    expect(logs.get('stock low')!.attributes).not.toHaveProperty('trace_id')
  })

  it('maps an exception onto error_type, error_message and stack_trace', async () => {
    const { keyClient, key } = await accountWithKey(d.client, `exc-${kind}`)
    const app = sdk(d.url, kind, { 'x-api-key': key.full_key })
    const err = new TypeError('card is undefined')
    app.logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'payment failed', exception: err })
    app.logger.emit({ severityNumber: SeverityNumber.ERROR, exception: new RangeError('amount out of range') })
    await app.flush()
    await app.shutdown()

    const logs = await logsByMessage(keyClient)
    expect(logs.get('payment failed')).toMatchObject({
      level: 'error',
      error_type: 'TypeError',
      error_message: 'card is undefined',
      stack_trace: err.stack,
    })
    // exception.* live in the error columns, not twice.
    expect(logs.get('payment failed')!.attributes).not.toHaveProperty('exception.stacktrace')
    // Without a body, the exception's message is the log's message.
    expect(logs.get('amount out of range')).toMatchObject({ error_type: 'RangeError', error_message: 'amount out of range' })
  })

  it('accepts gzip-compressed exports', async () => {
    const { keyClient, key } = await accountWithKey(d.client, `gzip-${kind}`)
    const app = sdk(d.url, kind, { authorization: `Bearer ${key.full_key}` }, { gzip: true })
    for (let i = 0; i < 20; i++) app.logger.emit({ severityNumber: SeverityNumber.INFO, body: `compressed ${i}` })
    await app.flush()
    await app.shutdown()
    const logs = await logsByMessage(keyClient)
    expect(logs.size).toBe(20)
    expect(logs.has('compressed 19')).toBe(true)
  })

  it('reports a record Ledger refuses as a partial success, which the exporter reads, and keeps the rest', async () => {
    const { keyClient, key } = await accountWithKey(d.client, `partial-${kind}`)
    const diagnostics = captureDiag()
    const app = sdk(d.url, kind, { authorization: `Bearer ${key.full_key}` })
    app.logger.emit({ body: 'fine' })
    app.logger.emit({ body: 'x'.repeat(10_001) })
    app.logger.emit({ body: 'also fine' })
    await app.flush()
    await app.shutdown()
    diagnostics.stop()

    const logs = await logsByMessage(keyClient)
    expect([...logs.keys()].sort()).toEqual(['also fine', 'fine'])
    const warning = diagnostics.lines.find((l) => l.includes('Partial Success'))
    expect(warning, diagnostics.lines.join('\n')).toBeDefined()
    const reported = JSON.parse(warning!.slice(warning!.indexOf('{'))) as {
      rejectedLogRecords: number | string
      errorMessage: string
    }
    expect(Number(reported.rejectedLogRecords)).toBe(1)
    expect(reported.errorMessage).toContain('1 of 3 log records rejected: Log 1: message exceeds maximum length of 10000')
  })

  it('fails the export with 401 without a valid key, and stores nothing', async () => {
    const { keyClient, key } = await accountWithKey(d.client, `nokey-${kind}`)
    const forged = `${key.full_key.slice(0, -1)}${key.full_key.endsWith('A') ? 'B' : 'A'}`
    const records = await sdkRecords((logger) => logger.emit({ body: 'never stored' }))
    for (const headers of [{}, { authorization: `Bearer ${forged}` }] as Array<Record<string, string>>) {
      const result = await exportOnce(d.url, kind, headers, records)
      expect(result.code).toBe(ExportResultCode.FAILED)
      expect(result.error).toMatchObject({ code: 401 })
    }
    // The same records with the key: the exporter reports success.
    expect((await exportOnce(d.url, kind, { 'x-api-key': key.full_key }, records)).code).toBe(ExportResultCode.SUCCESS)
    expect((await keyClient.logs()).logs.map((l) => l.message)).toEqual(['never stored'])
  })
})

describe('POST /v1/logs with OTLP/JSON', () => {
  /** One OTLP/JSON request, as a Collector or an SDK in another language writes it. */
  function request(records: unknown[], resourceAttrs: unknown[] = []) {
    return JSON.stringify({
      resourceLogs: [{ resource: { attributes: resourceAttrs }, scopeLogs: [{ scope: { name: 's' }, logRecords: records }] }],
    })
  }

  it('accepts int64 as strings or numbers, hex ids, enum numbers, and ignores unknown fields', async () => {
    const { keyClient } = await accountWithKey(d.client, 'json-int64')
    const body = request(
      [
        {
          timeUnixNano: '1760695200250000000',
          severityNumber: 17,
          body: { stringValue: 'as strings' },
          attributes: [
            { key: 'count', value: { intValue: '42' } },
            { key: 'huge', value: { intValue: '9007199254740993' } },
            { key: 'ratio', value: { doubleValue: 0.5 } },
            { key: 'blob', value: { bytesValue: Buffer.from('hi').toString('base64') } },
            { key: 'nested', value: { kvlistValue: { values: [{ key: 'a', value: { arrayValue: { values: [{ boolValue: false }] } } }] } } },
          ],
          traceId: TRACE_ID.toUpperCase(),
          spanId: SPAN_ID,
          futureField: { anything: 1 },
        },
        { timeUnixNano: 1760695201000000000, severityNumber: 13, body: { stringValue: 'as numbers' }, attributes: [{ key: 'count', value: { intValue: 7 } }] },
        // No time: the observed time; an invalid trace id is ignored, not an error.
        { observedTimeUnixNano: '1760695202000000000', body: { stringValue: 'observed only' }, traceId: 'not-hex' },
      ],
      [{ key: 'service.name', value: { stringValue: 'billing' } }, { key: 'deployment.environment', value: { stringValue: 'prod' } }],
    )
    const res = await postOtlp(keyClient, body, JSON_TYPE)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.headers['content-type']).toContain('application/json')
    expect(res.body).toEqual({})
    expect(res.headers['x-ratelimit-remaining']).toMatch(/^\d+$/)

    const logs = await logsByMessage(keyClient)
    expect(logs.get('as strings')).toMatchObject({ timestamp: '2025-10-17T10:00:00.250Z', level: 'error', environment: 'prod' })
    expect(logs.get('as strings')!.attributes).toMatchObject({
      count: 42,
      huge: '9007199254740993',
      ratio: 0.5,
      blob: 'aGk=',
      nested: { a: [false] },
      trace_id: TRACE_ID,
      span_id: SPAN_ID,
      'service.name': 'billing',
      'otel.scope.name': 's',
    })
    expect(logs.get('as numbers')).toMatchObject({ timestamp: '2025-10-17T10:00:01Z', level: 'warning' })
    expect(logs.get('as numbers')!.attributes).toMatchObject({ count: 7 })
    expect(logs.get('observed only')).toMatchObject({ timestamp: '2025-10-17T10:00:02Z', level: 'info' })
    expect(logs.get('observed only')!.attributes).not.toHaveProperty('trace_id')
  })

  it('maps every severityNumber and the usual severityText spellings onto the documented levels', async () => {
    const { keyClient } = await accountWithKey(d.client, 'json-levels')
    const expected: Array<[unknown, string]> = []
    for (let n = 1; n <= 24; n++) {
      const level = n <= 8 ? 'debug' : n <= 12 ? 'info' : n <= 16 ? 'warning' : n <= 20 ? 'error' : 'critical'
      expected.push([{ severityNumber: n, severityText: 'ignored when a number is set' }, level])
    }
    const texts: Array<[string, string]> = [
      ['TRACE', 'debug'], ['Debug', 'debug'], ['INFO', 'info'], ['notice', 'info'], ['WARN', 'warning'],
      ['warning', 'warning'], ['ERROR', 'error'], ['ERROR3', 'error'], ['severe', 'error'], ['FATAL', 'critical'],
      ['critical', 'critical'], ['panic', 'critical'], ['whatever', 'info'], ['', 'info'],
    ]
    for (const [severityText, level] of texts) expected.push([{ severityText }, level])
    expected.push([{ severityNumber: 0 }, 'info'])
    const records = expected.map(([fields], i) => ({ ...(fields as object), body: { stringValue: `record ${i}` } }))
    const res = await postOtlp(keyClient, request(records), JSON_TYPE)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const logs = await logsByMessage(keyClient)
    expect(logs.size).toBe(expected.length)
    for (const [i, [fields, level]] of expected.entries()) {
      expect(logs.get(`record ${i}`)?.level, JSON.stringify(fields)).toBe(level)
    }
  })

  it('uses the time of arrival for a record with neither time, and serialises non-string bodies', async () => {
    const { keyClient } = await accountWithKey(d.client, 'json-bodies')
    const records = [
      { body: { intValue: '12' }, attributes: [{ key: 'n', value: { stringValue: 'int' } }] },
      { body: { boolValue: true }, attributes: [{ key: 'n', value: { stringValue: 'bool' } }] },
      { body: { arrayValue: { values: [{ stringValue: 'a' }, { doubleValue: 1.5 }] } }, attributes: [{ key: 'n', value: { stringValue: 'array' } }] },
      { attributes: [{ key: 'n', value: { stringValue: 'none' } }] },
    ]
    expect((await postOtlp(keyClient, request(records), JSON_TYPE)).status).toBe(200)
    const byN = new Map((await keyClient.logs()).logs.map((l) => [l.attributes?.['n'], l]))
    expect(byN.get('int')?.message).toBe('12')
    expect(byN.get('bool')?.message).toBe('true')
    expect(byN.get('array')?.message).toBe('["a",1.5]')
    expect(byN.get('none')?.message).toBeNull()
    expect(byN.get('none')?.timestamp).toBe(new Date(d.clock.now).toISOString().replace('.000Z', 'Z'))
  })

  it('answers a partial success in OTLP/JSON, naming the rejected records', async () => {
    const { keyClient } = await accountWithKey(d.client, 'json-partial')
    const records = [
      { body: { stringValue: 'kept' } },
      { body: { stringValue: 'kept too' }, attributes: [{ key: 'exception.type', value: { stringValue: 'E'.repeat(256) } }] },
    ]
    const res = await postOtlp(keyClient, request(records), JSON_TYPE)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      partialSuccess: {
        rejectedLogRecords: '1',
        errorMessage: '1 of 2 log records rejected: Log 1: error_type exceeds maximum length of 255 characters',
      },
    })
    expect([...(await logsByMessage(keyClient)).keys()]).toEqual(['kept'])
  })

  it('accepts a gzip-encoded JSON body and an empty request', async () => {
    const { keyClient } = await accountWithKey(d.client, 'json-gzip')
    const gz = gzipSync(request([{ body: { stringValue: 'zipped' } }]))
    const res = await postOtlp(keyClient, gz, { ...JSON_TYPE, 'content-encoding': 'gzip' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect((await logsByMessage(keyClient)).has('zipped')).toBe(true)
    const empty = await postOtlp(keyClient, '{}', JSON_TYPE)
    expect(empty.status).toBe(200)
    expect(empty.body).toEqual({})
  })

  it.each([
    ['malformed JSON', '{"resourceLogs": [', 'malformed json'],
    ['an array', '[]', 'json object'],
    ['resourceLogs not a list', '{"resourceLogs": {}}', 'resourceLogs'],
    ['a time that is not an integer', request([{ timeUnixNano: 'soon' }]), 'timeUnixNano'],
    ['a body that is not an AnyValue', request([{ body: 'plain string' }]), 'body'],
  ])('answers 400 {detail} for %s', async (_what, body, word) => {
    const { keyClient } = await accountWithKey(d.client)
    expectError(await postOtlp(keyClient, body, JSON_TYPE), 400, word)
    expect((await keyClient.logs()).logs).toHaveLength(0)
  })

  it('refuses more than 10000 records in one request (400), storing none', async () => {
    const { keyClient } = await accountWithKey(d.client, 'json-too-many')
    const records = Array.from({ length: 10_001 }, () => ({ body: { stringValue: 'x' } }))
    expectError(await postOtlp(keyClient, request(records), JSON_TYPE), 400, 'at most 10000 log records')
    expect((await keyClient.logs()).logs).toHaveLength(0)
  })
})

describe('POST /v1/logs with protobuf', () => {
  it('decodes a request the OTel serializer encoded, including a large one decoded off the main thread', async () => {
    const { keyClient } = await accountWithKey(d.client, 'proto-large')
    const records = await sdkRecords((logger) => {
      for (let i = 0; i < 2000; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `bulk ${i} ${'p'.repeat(40)}` })
    })
    const body = Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!)
    expect(body.byteLength).toBeGreaterThan(64 * 1024) // the decoding-thread threshold
    const res = await postOtlp(keyClient, body, PROTOBUF)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/x-protobuf')
    // Full success: an empty ExportLogsServiceResponse.
    expect(ProtobufLogsSerializer.deserializeResponse(res.body as Buffer)).toEqual({})
    const page = await keyClient.logs({ limit: '1000' })
    expect(page.next_cursor).not.toBeNull()
    expect(page.logs[0]!.message).toMatch(/^bulk \d+ p+$/)
  })

  it('answers a partial success in protobuf that the OTel deserializer reads', async () => {
    const { keyClient } = await accountWithKey(d.client, 'proto-partial')
    const records = await sdkRecords((logger) => {
      logger.emit({ body: 'ok' })
      logger.emit({ body: 'too big', attributes: { blob: 'b'.repeat(101 * 1024) } })
    })
    const res = await postOtlp(keyClient, Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!), PROTOBUF)
    expect(res.status).toBe(200)
    expect(ProtobufLogsSerializer.deserializeResponse(res.body as Buffer)).toEqual({
      partialSuccess: {
        rejectedLogRecords: 1,
        errorMessage: '1 of 2 log records rejected: Log 1: attributes exceed the maximum size of 100KB serialized',
      },
    })
    expect([...(await logsByMessage(keyClient)).keys()]).toEqual(['ok'])
  })

  it('accepts a gzip-encoded protobuf body', async () => {
    const { keyClient } = await accountWithKey(d.client, 'proto-gzip')
    const records = await sdkRecords((logger) => logger.emit({ body: 'zipped proto' }))
    const gz = gzipSync(ProtobufLogsSerializer.serializeRequest(records)!)
    const res = await postOtlp(keyClient, gz, { ...PROTOBUF, 'content-encoding': 'gzip' })
    expect(res.status).toBe(200)
    expect((await logsByMessage(keyClient)).has('zipped proto')).toBe(true)
  })

  it('answers 400 {detail} for a body that is not protobuf, and stores nothing', async () => {
    const { keyClient } = await accountWithKey(d.client, 'proto-bad')
    // A JSON body sent as protobuf, and a truncated real request.
    const real = Buffer.from(ProtobufLogsSerializer.serializeRequest(await sdkRecords((l) => l.emit({ body: 'cut' })))!)
    for (const body of [Buffer.from(JsonLogsSerializer.serializeRequest([])!), real.subarray(0, real.length - 3)]) {
      expectError(await postOtlp(keyClient, body, PROTOBUF), 400, 'malformed protobuf')
    }
    expect((await keyClient.logs()).logs).toHaveLength(0)
  })
})

describe('POST /v1/logs credentials, content types and backpressure', () => {
  const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'hello' } }] }] }] })

  it('answers 401 {detail} without a key or with an access token, 403 for a key without the ingest scope', async () => {
    const { account, project, key } = await accountWithKey(d.client, 'otlp-auth')
    expectError(await postOtlp(d.client, body, JSON_TYPE), 401)
    expectError(await postOtlp(d.client.withCredential(account.access_token), body, JSON_TYPE), 401, 'API key')
    const readOnly = await account.client.createApiKey(project.project_id, { name: 'reader', scopes: ['read'] })
    expectError(await postOtlp(d.client.withCredential(readOnly.full_key), body, JSON_TYPE), 403, "'ingest' scope")
    // The key also works as X-API-Key (what OTEL_EXPORTER_OTLP_HEADERS usually carries).
    const viaHeader = await d.client.raw('POST', '/v1/logs', {
      rawBody: body,
      headers: { ...JSON_TYPE, 'x-api-key': key.full_key },
      credential: null,
    })
    expect(viaHeader.status).toBe(200)
  })

  it('answers 415 {detail} for another content type, naming the two OTLP ones', async () => {
    const { keyClient } = await accountWithKey(d.client, 'otlp-415')
    expectError(await postOtlp(keyClient, body, { 'content-type': 'text/plain' }), 415, 'application/x-protobuf', 'application/json')
  })

  it('answers 503 with Retry-After when the queue is full, writing nothing; 429 with Retry-After past the quota', async () => {
    const small = await startTestDaemon({ queueCapacity: 2 })
    try {
      const { account, keyClient } = await accountWithKey(small.client, 'otlp-full')
      small.services.queue.pause()
      const three = JSON.stringify({
        resourceLogs: [{ scopeLogs: [{ logRecords: [1, 2, 3].map((i) => ({ body: { stringValue: `m${i}` } })) }] }],
      })
      const full = await postOtlp(keyClient, three, JSON_TYPE)
      expectError(full, 503, 'queue is full')
      expect(full.headers['retry-after']).toBe('60')
      expect((await keyClient.logs()).logs).toHaveLength(0)
      small.services.queue.resume()

      await account.client.updateProject('otlp-full', { daily_quota: 1 })
      const cut = await postOtlp(keyClient, JSON.stringify({
        resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'a' } }, { body: { stringValue: 'b' } }] }] }],
      }), JSON_TYPE)
      expect(cut.status).toBe(200)
      expect(cut.body).toMatchObject({ partialSuccess: { rejectedLogRecords: '1' } })
      expect((cut.body as { partialSuccess: { errorMessage: string } }).partialSuccess.errorMessage).toContain('daily quota of 1 logs reached')
      const over = await postOtlp(keyClient, body, JSON_TYPE)
      expectError(over, 429, 'daily quota')
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0)
    } finally {
      await small.close()
    }
  })

  it("draws from the key's rate limit: 429 with Retry-After and X-RateLimit headers once it is spent", async () => {
    const { account, key, keyClient } = await accountWithKey(d.client, 'otlp-rate')
    await account.client.setKeyLimits(key.key_id, { algorithm: 'token_bucket', tokens_per_second: 0.001, burst_capacity: 1 })
    const first = await postOtlp(keyClient, body, JSON_TYPE)
    expect(first.status).toBe(200)
    expect(first.headers['x-ratelimit-limit']).toBe('1')
    expect(first.headers['x-ratelimit-remaining']).toBe('0')
    const refused = await postOtlp(keyClient, body, JSON_TYPE)
    expectError(refused, 429, 'rate limit')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(refused.headers['x-ratelimit-reset']).toMatch(/^\d+$/)
  })

  it('commits before answering: the 200 means the logs are in the database', async () => {
    const { keyClient, project } = await accountWithKey(d.client, 'otlp-durable')
    d.services.queue.pause()
    try {
      expect((await postOtlp(keyClient, body, JSON_TYPE)).status).toBe(200)
      const row = await d
        .sql<{ n: number }>('SELECT count(*) AS n FROM logs WHERE project_id = ?', project.project_id)
        .then((r) => r[0])
      expect(row?.n).toBe(1)
    } finally {
      d.services.queue.resume()
    }
  })
})
