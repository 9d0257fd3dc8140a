import { describe, expect, test } from 'vitest'
import { mapLines, mapOne, READ_ISO } from './map-lines.js'

// Go loggers, as their documentation shows their output, and the runtime's panics.

describe('log/slog', () => {
  // https://pkg.go.dev/log/slog: JSONHandler and TextHandler.
  test('JSONHandler', () => {
    expect(mapOne('{"time":"2022-11-08T15:28:26.000000000-05:00","level":"INFO","msg":"hello","count":3}')).toEqual({
      timestamp: '2022-11-08T15:28:26.000000000-05:00',
      level: 'info',
      log_type: 'logger',
      importance: 'standard',
      message: 'hello',
      attributes: { count: 3 },
    })
  })

  test('TextHandler (logfmt)', () => {
    expect(mapOne('time=2022-11-08T15:28:26.000-05:00 level=INFO msg=hello count=3')).toEqual({
      timestamp: '2022-11-08T15:28:26.000-05:00',
      level: 'info',
      log_type: 'logger',
      importance: 'standard',
      message: 'hello',
      attributes: { count: '3' },
    })
  })

  test.each([
    ['ERROR+2', 'error'],
    ['ERROR-1', 'error'],
    ['WARN+2', 'warning'],
    ['INFO+2', 'info'],
    ['DEBUG-4', 'debug'],
  ])('a level between the named ones, %s, is %s', (text, level) => {
    expect(mapOne(`{"time":"2024-05-01T10:00:00Z","level":"${text}","msg":"x"}`).level).toBe(level)
    expect(mapOne(`time=2024-05-01T10:00:00Z level=${text} msg=x`).level).toBe(level)
  })
})

describe('zap', () => {
  // https://pkg.go.dev/go.uber.org/zap: the example logger, and NewProduction (epoch seconds `ts`).
  test('the example logger', () => {
    expect(mapOne('{"level":"info","msg":"Failed to fetch URL.","url":"http://example.com","attempt":3,"backoff":"1s"}')).toEqual({
      timestamp: READ_ISO,
      level: 'info',
      log_type: 'logger',
      importance: 'standard',
      message: 'Failed to fetch URL.',
      attributes: { url: 'http://example.com', attempt: 3, backoff: '1s' },
    })
  })

  test('NewProduction: ts in epoch seconds, caller, stacktrace on errors', () => {
    const log = mapOne(
      '{"level":"error","ts":1257894000.123,"caller":"main/main.go:22","msg":"request failed","error":"dial tcp 10.0.0.1:5432: connect: connection refused","stacktrace":"main.main\\n\\t/app/main/main.go:22\\nruntime.main\\n\\t/usr/local/go/src/runtime/proc.go:250"}',
    )
    expect(log).toMatchObject({
      timestamp: '2009-11-10T23:00:00.123Z',
      level: 'error',
      log_type: 'exception',
      message: 'request failed',
      error_message: 'dial tcp 10.0.0.1:5432: connect: connection refused',
      stack_trace: 'main.main\n\t/app/main/main.go:22\nruntime.main\n\t/usr/local/go/src/runtime/proc.go:250',
      attributes: { caller: 'main/main.go:22' },
    })
  })
})

describe('zerolog', () => {
  // https://github.com/rs/zerolog (README): `time` in epoch seconds, `message`.
  test('the global logger', () => {
    expect(mapOne('{"time":1494567715,"level":"info","message":"hello world"}')).toMatchObject({
      timestamp: '2017-05-12T05:41:55.000Z',
      level: 'info',
      message: 'hello world',
    })
    expect(mapOne('{"level":"debug","Scale":"833 cents","Interval":833.09,"time":1562212768,"message":"Fibonacci is everywhere"}')).toMatchObject({
      level: 'debug',
      message: 'Fibonacci is everywhere',
      attributes: { Scale: '833 cents', Interval: 833.09 },
    })
  })
})

describe('logrus', () => {
  // https://github.com/sirupsen/logrus (README): JSONFormatter (Go's time.String() with a zone
  // abbreviation) and TextFormatter (logfmt).
  test('JSONFormatter', () => {
    const logs = mapLines(
      [
        '{"animal":"walrus","level":"info","msg":"A group of walrus emerges from the ocean","size":10,"time":"2014-03-10 19:57:38.562264131 -0400 EDT"}',
        '{"level":"warning","msg":"The group\'s number increased tremendously!","number":122,"omg":true,"time":"2014-03-10 19:57:38.562471297 -0400 EDT"}',
        '{"level":"fatal","msg":"The ice breaks!","number":100,"omg":true,"time":"2014-03-10 19:57:38.562543128 -0400 EDT"}',
      ].join('\n'),
    )
    expect(logs.map((l) => [l.level, l.timestamp])).toEqual([
      ['info', '2014-03-10T23:57:38.562Z'],
      ['warning', '2014-03-10T23:57:38.562Z'],
      ['critical', '2014-03-10T23:57:38.562Z'],
    ])
    expect(logs[0]).toMatchObject({ message: 'A group of walrus emerges from the ocean', attributes: { animal: 'walrus', size: 10 } })
  })

  test('TextFormatter', () => {
    expect(mapOne('time="2015-03-26T01:27:38-04:00" level=debug msg="Started observing beach" animal=walrus number=8')).toEqual({
      timestamp: '2015-03-26T01:27:38-04:00',
      level: 'debug',
      log_type: 'logger',
      importance: 'standard',
      message: 'Started observing beach',
      attributes: { animal: 'walrus', number: '8' },
    })
    expect(mapOne('level=warning msg="The group\'s number increased tremendously!" number=122 omg=true').level).toBe('warning')
  })
})

describe('glog / klog', () => {
  // https://github.com/golang/glog: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg (no year).
  test('the header gives the level and the time (year: the latest not after reading, 2026-03-04)', () => {
    expect(mapOne('E0102 15:04:05.123456   12345 main.go:42] could not connect')).toMatchObject({
      level: 'error',
      timestamp: '2026-01-02T15:04:05.123Z',
    })
    // 17 October 2026 would be in the future: 2025.
    expect(mapOne('I1017 10:00:00.000000       1 leaderelection.go:248] attempting to acquire leader lease')).toMatchObject({
      level: 'info',
      timestamp: '2025-10-17T10:00:00.000Z',
    })
  })
})

describe('a Go panic', () => {
  test('the goroutine dump joins the panic line, blank lines and all', () => {
    const logs = mapLines(
      [
        'panic: runtime error: index out of range [5] with length 3',
        '',
        'goroutine 1 [running]:',
        'main.main()',
        '\t/tmp/sandbox/prog.go:8 +0x1d',
        '',
        'goroutine 18 [chan receive]:',
        'main.worker(0xc000012345)',
        '\t/tmp/sandbox/prog.go:20 +0x45',
        'created by main.main in goroutine 1',
        '\t/tmp/sandbox/prog.go:6 +0x2a',
        'exit status 2',
      ].join('\n'),
    )
    expect(logs).toHaveLength(2)
    expect(logs[0]).toMatchObject({
      level: 'critical',
      log_type: 'exception',
      message: 'panic: runtime error: index out of range [5] with length 3',
      error_type: 'panic',
      error_message: 'runtime error: index out of range [5] with length 3',
    })
    expect(logs[0]!.stack_trace!.split('\n')).toHaveLength(11)
    expect(logs[0]!.stack_trace).toContain('goroutine 18 [chan receive]:\nmain.worker(0xc000012345)')
    expect(logs[1]).toMatchObject({ message: 'exit status 2' })
  })
})
