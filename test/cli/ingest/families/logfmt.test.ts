import { describe, expect, test } from 'vitest'
import { parseLogfmt } from '../../../../src/cli/ingest/logfmt.js'
import { mapOne, READ_ISO } from './map-lines.js'

// logfmt (https://brandur.org/logfmt; Heroku, Go's go-logfmt, logrus's and slog's text output,
// Grafana Loki, Prometheus): key=value pairs, quoted values with escapes.

describe('logfmt lines', () => {
  test('the issue\'s example: level, msg, time and the rest as attributes', () => {
    expect(mapOne('level=warn msg="disk almost full" user=42 time=2025-10-17T10:00:00Z')).toEqual({
      timestamp: '2025-10-17T10:00:00Z',
      level: 'warning',
      log_type: 'logger',
      importance: 'standard',
      message: 'disk almost full',
      attributes: { user: '42' },
    })
  })

  test("brandur.org's example, with a key alone (true) and an error", () => {
    expect(mapOne('at=info method=GET path=/ host=mutelight.org fwd="124.133.52.161" dyno=web.2 connect=4ms service=8ms status=200 bytes=1653')).toBeDefined()
    expect(mapOne('level=error msg="request failed" err="dial tcp: connection refused" debug')).toMatchObject({
      level: 'error',
      log_type: 'exception',
      message: 'request failed',
      error_message: 'dial tcp: connection refused',
      attributes: { debug: true },
    })
  })

  test('Prometheus / go-kit: ts and caller', () => {
    expect(mapOne('ts=2024-02-01T12:00:00.000Z caller=main.go:512 level=info msg="Server is ready to receive web requests."')).toMatchObject({
      timestamp: '2024-02-01T12:00:00.000Z',
      level: 'info',
      message: 'Server is ready to receive web requests.',
      attributes: { caller: 'main.go:512' },
    })
  })

  test('after the line\'s own time: `2025-… level=info msg=…`', () => {
    expect(mapOne('2025-10-17T10:00:00Z level=error msg="db down" attempt=3')).toMatchObject({
      timestamp: '2025-10-17T10:00:00.000Z',
      level: 'error',
      message: 'db down',
      attributes: { attempt: '3' },
    })
  })

  test('without a message key, the line is the message', () => {
    expect(mapOne('level=info component=db state=ready')).toMatchObject({ message: 'level=info component=db state=ready', attributes: { component: 'db', state: 'ready' } })
  })

  test('text that only has an equals sign in it stays text', () => {
    for (const line of ['GET /search?q=a b', 'x=1 is the answer', 'a=b c=d', 'total = 5 items', 'note: key=value pairs follow'])
      expect(mapOne(line)).toMatchObject({ message: line, log_type: 'console', timestamp: READ_ISO })
  })
})

describe('parseLogfmt', () => {
  test.each<[string, Record<string, unknown> | null]>([
    ['level=info msg=hi', { level: 'info', msg: 'hi' }],
    ['msg="a \\"quoted\\" word\\nnext" level=debug', { msg: 'a "quoted" word\nnext', level: 'debug' }],
    ['msg="" level=x', { msg: '', level: 'x' }],
    ['msg="unterminated level=x', null],
    ['msg=a"b level=x', null],
    ['level=info', null],
    ['foo=1 bar=2', null],
  ])('%j', (line, pairs) => {
    expect(parseLogfmt(line)).toEqual(pairs)
  })
})
