import { describe, expect, test } from 'vitest'
import { mapLines, mapOne } from './map-lines.js'

// Python: the standard library's logging, structlog, python-json-logger.

describe('logging (the standard library)', () => {
  // The default asctime `2025-10-17 10:00:00,123` has no zone: --timezone's (UTC here).
  test('basicConfig(format="%(asctime)s - %(name)s - %(levelname)s - %(message)s")', () => {
    expect(mapOne('2025-10-17 10:00:00,123 - app.db - WARNING - pool exhausted')).toMatchObject({
      timestamp: '2025-10-17T10:00:00.123Z',
      level: 'warning',
      message: '2025-10-17 10:00:00,123 - app.db - WARNING - pool exhausted',
    })
  })

  test('--strip-timestamp keeps the time out of the message, with its separator', () => {
    expect(mapOne('2025-10-17 10:00:00,123 - app.db - WARNING - pool exhausted', { stripTimestamp: true }).message).toBe(
      'app.db - WARNING - pool exhausted',
    )
  })

  test('logger.exception(): the traceback joins the line, its last line gives the error', () => {
    const logs = mapLines(
      [
        '2025-10-17 10:00:00,123 ERROR app: payment failed',
        'Traceback (most recent call last):',
        '  File "/app/pay.py", line 12, in charge',
        '    return gateway.charge(amount)',
        '  File "/app/gateway.py", line 40, in charge',
        '    raise ConnectionError("gateway down")',
        'ConnectionError: gateway down',
        '2025-10-17 10:00:01,000 INFO app: retrying',
      ].join('\n'),
    )
    expect(logs).toHaveLength(2)
    expect(logs[0]).toMatchObject({
      timestamp: '2025-10-17T10:00:00.123Z',
      level: 'error',
      log_type: 'exception',
      message: '2025-10-17 10:00:00,123 ERROR app: payment failed',
      error_type: 'ConnectionError',
      error_message: 'gateway down',
    })
    expect(logs[0]!.stack_trace!.startsWith('Traceback (most recent call last):\n  File "/app/pay.py"')).toBe(true)
    expect(logs[0]!.stack_trace!.endsWith('ConnectionError: gateway down')).toBe(true)
    expect(logs[1]).toMatchObject({ level: 'info', message: '2025-10-17 10:00:01,000 INFO app: retrying' })
  })

  test('chained exceptions ("During handling of the above exception…") stay one event, blank lines included', () => {
    const logs = mapLines(
      [
        'Traceback (most recent call last):',
        '  File "x.py", line 2, in <module>',
        "    d['id']",
        "KeyError: 'id'",
        '',
        'During handling of the above exception, another exception occurred:',
        '',
        'Traceback (most recent call last):',
        '  File "x.py", line 4, in <module>',
        '    raise ValueError("no id")',
        'ValueError: no id',
      ].join('\n'),
    )
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ level: 'error', error_type: 'ValueError', error_message: 'no id', message: 'Traceback (most recent call last):' })
    expect(logs[0]!.stack_trace!.split('\n')).toHaveLength(11)
  })
})

describe('structlog', () => {
  // https://www.structlog.org: JSONRenderer with add_log_level and TimeStamper(fmt="iso"); the
  // message is `event`.
  test('JSONRenderer', () => {
    expect(mapOne('{"key": "value", "event": "hello", "level": "info", "timestamp": "2022-02-09T12:45:07.337181Z"}')).toEqual({
      timestamp: '2022-02-09T12:45:07.337181Z',
      level: 'info',
      log_type: 'logger',
      importance: 'standard',
      message: 'hello',
      attributes: { key: 'value' },
    })
  })

  test('format_exc_info: the traceback in `exception`', () => {
    const log = mapOne(
      '{"event": "request failed", "level": "error", "timestamp": "2022-02-09T12:45:07Z", "exception": "Traceback (most recent call last):\\n  File \\"app.py\\", line 3, in <module>\\nZeroDivisionError: division by zero"}',
    )
    expect(log).toMatchObject({ level: 'error', message: 'request failed', error_type: 'ZeroDivisionError', error_message: 'division by zero' })
  })

  test('an `event` that is an object is not a message (ECS `event.*`)', () => {
    expect(mapOne('{"message": "login", "event": {"action": "user-login", "outcome": "success"}}')).toMatchObject({
      message: 'login',
      attributes: { event: { action: 'user-login', outcome: 'success' } },
    })
  })
})

describe('python-json-logger', () => {
  // https://github.com/madzak/python-json-logger: JsonFormatter("%(asctime)s %(levelname)s %(message)s")
  test('asctime, levelname, message and extra fields', () => {
    expect(mapOne('{"asctime": "2025-10-17 10:00:00,123", "levelname": "ERROR", "message": "db down", "retries": 3}')).toEqual({
      timestamp: '2025-10-17T10:00:00.123Z',
      level: 'error',
      log_type: 'logger',
      importance: 'high',
      message: 'db down',
      attributes: { retries: 3 },
    })
  })
})
