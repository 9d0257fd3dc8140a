import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { detectLevel, normalizeLevel } from '../../../src/cli/ingest/levels.js'
import { LineSplitter } from '../../../src/cli/ingest/line-splitter.js'
import { LineMapper } from '../../../src/cli/ingest/map-line.js'
import { parseLogTime } from '../../../src/cli/ingest/timestamps.js'
import { serializeAttributes, TRUNCATION_MARKER, truncateText } from '../../../src/cli/ingest/truncate.js'
import { LOG_LIMITS, type LogInput, validateLog } from '../../../src/contract/ingest.js'
import { decodeBatch } from '../../../src/daemon/ingest/batch-decode.js'

// The line mapper of `ledger ingest`: input lines → the logs it sends. Every mapped line is
// checked against the daemon's own validation: a line must never be rejected.

const READ_AT = Date.parse('2026-03-04T05:06:07.890Z')
const READ_ISO = '2026-03-04T05:06:07.890Z'

function mapped(line: string, options: ConstructorParameters<typeof LineMapper>[0] = {}): LogInput {
  const log = new LineMapper(options).toLog(line, READ_AT)
  if (log === null) throw new Error('line was skipped')
  const v = validateLog(log)
  expect(v.ok, v.ok ? '' : v.detail).toBe(true)
  return log
}

/** A wall-clock time in this machine's zone (times written without one are local). */
const local = (y: number, mo: number, d: number, h: number, mi = 0, sec = 0, ms = 0) => new Date(y, mo - 1, d, h, mi, sec, ms).toISOString()

describe('plain lines', () => {
  // Each line's level; its time where it has one (else the time it was read); the line as its
  // message, unless it is logfmt (its pairs mapped as a JSON line's keys).
  test.each<[string, string, Partial<LogInput>?]>([
    ['2025-10-17 10:00:00 ERROR db down', 'error', { timestamp: local(2025, 10, 17, 10) }],
    ['ERROR: disk full', 'error'],
    ['error: cannot open file', 'error'],
    ['Error: connect ECONNREFUSED 127.0.0.1:5432', 'error'],
    ['npm ERR! code E404', 'error'],
    ['[warn] cache is cold', 'warning'],
    ['[WARNING] cache is cold', 'warning'],
    ['Warning: deprecated option', 'warning'],
    ['npm WARN deprecated left-pad', 'warning'],
    ['10:00:00.123 [main] INFO  com.acme.App - started', 'info'],
    ['2025-10-17T10:00:00Z DEBUG cache hit', 'debug', { timestamp: '2025-10-17T10:00:00.000Z' }],
    ['TRACE entering loop', 'debug'],
    ['<info> all good', 'info'],
    ['(fatal) out of memory', 'critical'],
    ['FATAL: database system is shutting down', 'critical'],
    ['CRITICAL overheating', 'critical'],
    ['level=error msg="payment failed" user=42', 'error', { message: 'payment failed', log_type: 'logger', attributes: { user: '42' } }],
    ['time=2025-10-17T10:00:00Z lvl=warn msg=slow', 'warning', { message: 'slow', log_type: 'logger', timestamp: '2025-10-17T10:00:00Z' }],
    ['severity="CRITICAL" component=db', 'critical', { log_type: 'logger', attributes: { component: 'db' } }],
    ['W/ActivityManager( 1234): Slow operation', 'warning'],
    ['E/AndroidRuntime: FATAL EXCEPTION: main', 'error'],
    // glog has no year: the latest 2 January 15:04:05 before it was read (2026-03-04).
    ['E0102 15:04:05.000000    1234 main.go:42] could not connect', 'error', { timestamp: local(2026, 1, 2, 15, 4, 5) }],
    ['I0102 15:04:05.000000    1234 main.go:42] listening', 'info', { timestamp: local(2026, 1, 2, 15, 4, 5) }],
    ['<3>kernel: device error', 'error'],
    // RFC 3164: 17 October of 2026 is after the read time, so it is 2025's.
    ['<14>Oct 17 10:00:00 host app: hello', 'info', { timestamp: local(2025, 10, 17, 10) }],
    ['\u001b[31mERROR\u001b[0m coloured output', 'error'],
    ['just some output', 'info'],
    ['the error rate is low today', 'info'],
    ['information about errors follows', 'info'],
  ])('%j → %s', (line, level, own = {}) => {
    const log = mapped(line)
    expect(log.level).toBe(level)
    expect(log.log_type).toBe(own.log_type ?? 'console')
    expect(log.importance).toBe(level === 'error' || level === 'critical' ? 'high' : 'standard')
    expect(log.timestamp).toBe(own.timestamp ?? READ_ISO)
    expect(log.message).toBe(own.message ?? line.replace(/\u001b\[[0-9;]*m/g, ''))
    if (own.attributes) expect(log.attributes).toEqual(own.attributes)
  })

  test('--level is the level of lines that name none; a detected level wins over it', () => {
    expect(mapped('hello', { level: 'warning' }).level).toBe('warning')
    expect(mapped('ERROR hello', { level: 'warning' }).level).toBe('error')
  })

  test('flags fill every plain line: --log-type, --importance, --environment, --release, --attr', () => {
    const log = mapped('hello', {
      logType: 'custom',
      importance: 'low',
      environment: 'staging',
      release: 'v9',
      attributes: { host: 'web-1', region: 'eu' },
    })
    expect(log).toEqual({
      timestamp: READ_ISO,
      level: 'info',
      log_type: 'custom',
      importance: 'low',
      message: 'hello',
      environment: 'staging',
      release: 'v9',
      attributes: { host: 'web-1', region: 'eu' },
    })
  })

  test.each(['', '   ', '\t', '\r'])('blank line %j is skipped', (line) => {
    expect(new LineMapper().map(line, READ_AT)).toBeNull()
  })

  test('a line that is not a JSON object stays text: arrays, numbers, broken JSON', () => {
    for (const line of ['[1,2,3]', '42', '"quoted"', '{"broken": ', '{not json}', 'null'])
      expect(mapped(line).message).toBe(line)
  })
})

describe('JSON lines', () => {
  test.each([
    // pino / bunyan: numeric levels, epoch ms
    [{ level: 30, time: 1700000000000, msg: 'started', pid: 1 }, { level: 'info', timestamp: '2023-11-14T22:13:20.000Z', message: 'started', attributes: { pid: 1 } }],
    [{ level: 50, time: 1700000000000, msg: 'failed' }, { level: 'error', importance: 'high' }],
    [{ level: 60, msg: 'dead' }, { level: 'critical' }],
    [{ level: 10, msg: 'x' }, { level: 'debug' }],
    // winston / logrus / zap / zerolog: string levels and their aliases
    [{ level: 'warn', message: 'slow' }, { level: 'warning', message: 'slow' }],
    [{ level: 'WARNING', msg: 'slow' }, { level: 'warning' }],
    [{ severity: 'ERROR', msg: 'x' }, { level: 'error' }],
    [{ lvl: 'err', msg: 'x' }, { level: 'error' }],
    [{ level: 'fatal', msg: 'x' }, { level: 'critical' }],
    [{ level: 'panic', msg: 'x' }, { level: 'critical' }],
    [{ level: 'trace', msg: 'x' }, { level: 'debug' }],
    [{ level: 'verbose', msg: 'x' }, { level: 'debug' }],
    [{ level: 'notice', msg: 'x' }, { level: 'info' }],
    [{ level: 'Information', msg: 'x' }, { level: 'info' }],
    [{ levelname: 'CRITICAL', message: 'x' }, { level: 'critical' }],
    [{ 'log.level': 'warn', message: 'ecs' }, { level: 'warning' }],
    // Serilog CLEF
    [{ '@t': '2025-10-17T10:00:00.1234567Z', '@l': 'Error', '@mt': 'Order {Id} failed', Id: 7 }, { level: 'error', timestamp: '2025-10-17T10:00:00.1234567Z', message: 'Order {Id} failed', attributes: { Id: 7 } }],
    // Docker json-file: the line is in `log`, with its newline
    [{ log: 'ERROR boom\n', stream: 'stderr', time: '2025-10-17T10:00:00.123456789Z' }, { level: 'error', message: 'ERROR boom', timestamp: '2025-10-17T10:00:00.123456789Z', attributes: { stream: 'stderr' } }],
    // timestamps: ISO kept as is, epoch seconds, ms, µs, ns, no zone = local time
    [{ ts: 1700000000, msg: 'x' }, { timestamp: '2023-11-14T22:13:20.000Z' }],
    [{ ts: 1700000000.25, msg: 'x' }, { timestamp: '2023-11-14T22:13:20.250Z' }],
    [{ time: 1700000000123456, msg: 'x' }, { timestamp: '2023-11-14T22:13:20.123Z' }],
    [{ time: '1700000000123456789', msg: 'x' }, { timestamp: '2023-11-14T22:13:20.123Z' }],
    [{ timestamp: '2025-10-17T10:00:00+02:00', msg: 'x' }, { timestamp: '2025-10-17T10:00:00+02:00' }],
    [{ '@timestamp': '2025-10-17T10:00:00Z', message: 'x' }, { timestamp: '2025-10-17T10:00:00Z' }],
    [{ asctime: '2025-10-17 10:00:00,123', message: 'x' }, { timestamp: new Date(2025, 9, 17, 10, 0, 0, 123).toISOString() }],
    [{ time: 'Fri, 17 Oct 2025 10:00:00 GMT', msg: 'x' }, { timestamp: '2025-10-17T10:00:00.000Z' }],
    // a timestamp that is not one: read time, the value kept
    [{ time: 'yesterday', msg: 'x' }, { timestamp: READ_ISO, attributes: { time: 'yesterday' } }],
    [{ time: -5, msg: 'x' }, { timestamp: READ_ISO, attributes: { time: -5 } }],
    // an unknown level: --level, the value kept
    [{ level: 'loud', msg: 'x' }, { level: 'info', attributes: { level: 'loud' } }],
    // no level field: read from the message, else info
    [{ msg: 'ERROR in handler' }, { level: 'error' }],
    [{ msg: 'all fine' }, { level: 'info', log_type: 'logger' }],
    // errors: pino's err object, flat fields, strings, stack traces, Python tracebacks
    [
      { level: 'error', msg: 'request failed', err: { type: 'TypeError', message: 'x is undefined', stack: 'TypeError: x is undefined\n    at f (app.js:1:1)', code: 'E_X' } },
      { level: 'error', log_type: 'exception', error_type: 'TypeError', error_message: 'x is undefined', stack_trace: 'TypeError: x is undefined\n    at f (app.js:1:1)', attributes: { err: { code: 'E_X' } } },
    ],
    [{ msg: 'oops', error: 'Error: connection reset' }, { level: 'error', log_type: 'exception', error_type: 'Error', error_message: 'connection reset' }],
    [{ msg: 'oops', error: 'something broke' }, { level: 'error', error_message: 'something broke' }],
    [{ msg: 'oops', exception: { name: 'ValueError', message: 'bad' } }, { error_type: 'ValueError', error_message: 'bad' }],
    [{ msg: 'crash', stack: 'RangeError: too far\n    at g (b.js:2:2)' }, { error_type: 'RangeError', error_message: 'too far', stack_trace: 'RangeError: too far\n    at g (b.js:2:2)' }],
    [{ message: 'py', exc_info: 'Traceback (most recent call last):\n  File "a.py", line 1\nKeyError: \'id\'' }, { error_type: 'KeyError', error_message: "'id'" }],
    [{ msg: 'ecs', 'error.type': 'IOError', 'error.message': 'disk', 'error.stack_trace': 'at x' }, { error_type: 'IOError', error_message: 'disk', stack_trace: 'at x' }],
    [{ msg: 'otel', 'exception.type': 'java.io.IOException', 'exception.message': 'gone' }, { error_type: 'java.io.IOException', error_message: 'gone' }],
    [{ level: 'warn', msg: 'handled', err: { message: 'retrying' } }, { level: 'warning', log_type: 'exception', importance: 'standard' }],
    // Ledger's own fields pass through; invalid ones are kept as attributes
    [
      { level: 'info', message: 'm', log_type: 'custom', importance: 'low', environment: 'dev', release: 'r1', sdk_version: '1', platform: 'go', platform_version: '1.22' },
      { log_type: 'custom', importance: 'low', environment: 'dev', release: 'r1', sdk_version: '1', platform: 'go', platform_version: '1.22' },
    ],
    [{ msg: 'x', log_type: 'weird', importance: 'huge' }, { log_type: 'logger', importance: 'standard', attributes: { log_type: 'weird', importance: 'huge' } }],
    [{ msg: 'x', release: 42 }, { release: '42' }],
    // attributes: the rest, plus an `attributes` object merged in
    [{ msg: 'x', user: { id: 1, roles: ['a'] }, ok: true, n: null }, { attributes: { user: { id: 1, roles: ['a'] }, ok: true, n: null } }],
    [{ msg: 'x', attributes: { a: 1 }, b: 2 }, { attributes: { a: 1, b: 2 } }],
    // several keys for one field: the first listed wins, the others are attributes
    [{ msg: 'second', message: 'first' }, { message: 'first', attributes: { msg: 'second' } }],
    // message that is not a string
    [{ msg: { nested: true } }, { message: '{"nested":true}' }],
    [{ message: 12 }, { message: '12' }],
    // a known field set to null is empty
    [{ msg: 'x', level: null, error: null }, { level: 'info', log_type: 'logger' }],
  ])('%j', (input, expected) => {
    const log = mapped(JSON.stringify(input))
    expect(log).toMatchObject(expected)
    if (!('timestamp' in expected) && !('time' in input) && !('ts' in input)) expect(log.timestamp).toBe(READ_ISO)
  })

  test("the line's own fields win over the flags; flags fill the rest", () => {
    const options = { environment: 'prod', release: 'v1', logType: 'custom' as const, importance: 'low' as const, attributes: { host: 'h', app: 'flag' } }
    const own = mapped(JSON.stringify({ msg: 'x', environment: 'dev', log_type: 'console', importance: 'high', app: 'line' }), options)
    expect(own).toMatchObject({ environment: 'dev', release: 'v1', log_type: 'console', importance: 'high', attributes: { host: 'h', app: 'line' } })
    const none = mapped(JSON.stringify({ msg: 'x', err: 'Error: e' }), options)
    expect(none).toMatchObject({ environment: 'prod', log_type: 'custom', importance: 'low' })
  })

  test('keys the daemon would refuse as prototype poisoning are renamed, never sent', () => {
    const line = '{"msg":"x","__proto__":{"admin":true},"a":{"constructor":{"prototype":{"p":1}}},"b":{"\\u005f_proto__":1}}'
    const log = mapped(line)
    expect(Object.keys(log.attributes ?? {})).toContain('__proto___')
    const body = `{"logs":[${new LineMapper().map(line, READ_AT)}]}`
    const decoded = decodeBatch(body, false)
    expect(decoded.ok, decoded.ok ? '' : decoded.detail).toBe(true)
    expect(JSON.stringify(log.attributes)).toContain('"prototype_"')
  })

  test('nesting too deep for a request body is cut to JSON text', () => {
    const deep = `{"msg":"deep","v":${'['.repeat(100)}1${']'.repeat(100)}}`
    const body = `{"logs":[${new LineMapper().map(deep, READ_AT)}]}`
    const decoded = decodeBatch(body, false)
    expect(decoded.ok, decoded.ok ? '' : decoded.detail).toBe(true)
    expect(JSON.stringify(mapped(deep).attributes)).toContain('[[[')
  })
})

describe('limits: values are cut with a marker, never rejected', () => {
  test.each([
    ['message', 'msg', LOG_LIMITS.message],
    ['error_message', 'error_message', LOG_LIMITS.error_message],
    ['stack_trace', 'stack_trace', LOG_LIMITS.stack_trace],
    ['environment', 'environment', LOG_LIMITS.short],
    ['release', 'release', LOG_LIMITS.short],
    ['platform', 'platform', LOG_LIMITS.short],
  ])('%s longer than %s characters', (field, key, max) => {
    const mapper = new LineMapper()
    const log = mapper.toLog(JSON.stringify({ msg: 'm', [key]: 'x'.repeat(max * 2) }), READ_AT)!
    expect(validateLog(log).ok).toBe(true)
    const value = (log as unknown as Record<string, string>)[field]!
    expect(value).toHaveLength(max)
    expect(value.endsWith(TRUNCATION_MARKER)).toBe(true)
    expect(mapper.lastTruncated).toBe(true)
  })

  test('a plain line longer than 10,000 characters', () => {
    const mapper = new LineMapper()
    const log = mapper.toLog(`ERROR ${'y'.repeat(50_000)}`, READ_AT)!
    expect(log.message).toHaveLength(LOG_LIMITS.message)
    expect(log.message!.endsWith(TRUNCATION_MARKER)).toBe(true)
    expect(log.level).toBe('error')
    expect(validateLog(log).ok).toBe(true)
  })

  test('a cut never splits a surrogate pair', () => {
    // The cut falls between the two halves of the first emoji.
    const text = `${'a'.repeat(LOG_LIMITS.message - TRUNCATION_MARKER.length - 1)}${'😀'.repeat(10)}`
    const cut = truncateText(text, LOG_LIMITS.message)
    expect(cut.length).toBe(LOG_LIMITS.message - 1)
    expect(cut.endsWith(`a${TRUNCATION_MARKER}`)).toBe(true)
  })

  test('attributes over 100 KB keep what fits, cut the entry that crosses, and list the dropped keys', () => {
    const attrs = { small: 'ok', big: 'é'.repeat(30_000), huge: 'z'.repeat(200_000), after: 1 }
    const { json, truncated } = serializeAttributes(attrs)
    expect(truncated).toBe(true)
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(LOG_LIMITS.attributesBytes)
    const parsed = JSON.parse(json) as Record<string, unknown>
    expect(parsed['small']).toBe('ok')
    expect(parsed['big'] === 'é'.repeat(30_000)).toBe(true)
    expect(String(parsed['huge']).endsWith(TRUNCATION_MARKER)).toBe(true)
    expect(parsed['after']).toBe(1)

    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v'.repeat(10_000)]))
    const cut = JSON.parse(serializeAttributes(many).json) as Record<string, unknown>
    expect(cut['_truncated_attributes']).toEqual(expect.arrayContaining(['k29']))
    const log = mapped(JSON.stringify({ msg: 'x', ...many }))
    expect(Buffer.byteLength(JSON.stringify(log.attributes))).toBeLessThanOrEqual(LOG_LIMITS.attributesBytes)
  })

  test('attributes within the limit are untouched', () => {
    const attrs = { a: 'x'.repeat(50_000) }
    expect(serializeAttributes(attrs)).toEqual({ json: JSON.stringify(attrs), truncated: false })
  })
})

describe('the daemon accepts whatever a line is', () => {
  test('any text line', () => {
    const mapper = new LineMapper({ attributes: { host: 'h' } })
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (line) => {
        const json = mapper.map(line.replace(/[\r\n]/g, ' '), READ_AT)
        if (json === null) return
        const decoded = decodeBatch(`{"logs":[${json}]}`, false)
        expect(decoded.ok && decoded.logs.length === 1, decoded.ok ? decoded.errors.join() : decoded.detail).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  test('any JSON object line', () => {
    const mapper = new LineMapper()
    const keys = fc.constantFrom('level', 'msg', 'message', 'time', 'ts', 'err', 'error', 'stack', 'log_type', 'importance', 'environment', 'attributes', '__proto__', 'constructor', 'prototype', 'x', 'error.type')
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string(), fc.integer(), fc.double({ noNaN: true }))
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(keys, fc.string()), value, { maxKeys: 8 }), (obj) => {
        const line = JSON.stringify(obj)
        const json = mapper.map(line, READ_AT)
        expect(json).not.toBeNull()
        const decoded = decodeBatch(`{"logs":[${json}]}`, false)
        expect(decoded.ok && decoded.logs.length === 1, decoded.ok ? decoded.errors.join() : decoded.detail).toBe(true)
      }),
      { numRuns: 500 },
    )
  })
})

describe('levels and times', () => {
  test.each([
    ['warn', 'warning'],
    ['WARN', 'warning'],
    [' Error ', 'error'],
    ['crit', 'critical'],
    ['emerg', 'critical'],
    ['dbg', 'debug'],
    ['I', 'info'],
    ['3', 'error'],
    [4, 'warning'],
    [40, 'warning'],
    [35, 'info'],
    ['nonsense', null],
    [8, null],
    [true, null],
  ])('normalizeLevel(%j) = %s', (value, level) => {
    expect(normalizeLevel(value)).toBe(level)
  })

  test('detectLevel looks only at the start of a line', () => {
    expect(detectLevel(`${'x '.repeat(100)} ERROR late`)).toBeNull()
  })

  test.each([
    [0, null],
    ['', null],
    ['Oct 17 10:00:00', null],
    [1.7e18, 1.7e12],
    [1e21, null],
    ['2025-13-45T10:00:00Z', null],
    // Impossible dates are not times (Date.parse alone rolls them over to March).
    ['2025-02-30T10:00:00Z', null],
    ['2025-02-30 10:00:00,123', null],
    ['Sun, 30 Feb 2025 10:00:00 GMT', null],
    ['2024-02-29 00:00:00', new Date(2024, 1, 29).getTime()],
  ])('parseLogTime(%j) = %s', (value, ms) => {
    expect(parseLogTime(value)).toBe(ms)
  })
})

describe('line splitting', () => {
  const split = (chunks: Array<string | Buffer>, max?: number) => {
    const s = new LineSplitter(max)
    const out: string[] = []
    for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c) : c, (l) => out.push(l))
    s.end((l) => out.push(l))
    return { out, overlong: s.overlong }
  }

  test('lines across chunks, CRLF, a last line without newline, empty lines kept for numbering', () => {
    expect(split(['a\nb', 'c\r\n\nd']).out).toEqual(['a', 'bc', '', 'd'])
    expect(split(['a\n']).out).toEqual(['a'])
  })

  test('UTF-8 split across chunks is decoded whole', () => {
    const bytes = Buffer.from('é😀\n')
    expect(split([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)]).out).toEqual(['é😀'])
  })

  test('an endless line keeps its first part and does not grow memory', () => {
    const r = split(['x'.repeat(50), 'y'.repeat(100), '\nnext\n'], 64)
    expect(r.out).toEqual(['x'.repeat(50) + 'y'.repeat(14), 'next'])
    expect(r.overlong).toBe(1)
  })
})
