import { describe, expect, test } from 'vitest'
import { mapOne } from './map-lines.js'

// Google Cloud Logging's structured logs (what Cloud Run, GKE and Cloud Functions read from
// stdout): `severity`, `message`, `timestamp` as {seconds, nanos} or timestampSeconds/Nanos, and
// the special `logging.googleapis.com/*` keys.
// https://cloud.google.com/logging/docs/structured-logging (special JSON fields)

describe('Google Cloud structured logging', () => {
  test('the special fields become plain attributes: trace_id, span_id, labels, source_location', () => {
    const log = mapOne(
      '{"severity":"ERROR","message":"There was an error in the application.","httpRequest":{"requestMethod":"GET"},"timestamp":{"seconds":1602487250,"nanos":520000000},"logging.googleapis.com/insertId":"42","logging.googleapis.com/labels":{"user_label_1":"value_1","user_label_2":"value_2"},"logging.googleapis.com/operation":{"id":"get_data","producer":"github.com/MyProject/MyApplication","first":true},"logging.googleapis.com/sourceLocation":{"file":"get_data.py","line":"142","function":"getData"},"logging.googleapis.com/spanId":"000000000000004a","logging.googleapis.com/trace":"projects/my-projectid/traces/06796866738c859f2f19b7cfb3214824","logging.googleapis.com/trace_sampled":false}',
    )
    expect(log).toEqual({
      timestamp: '2020-10-12T07:20:50.520Z',
      level: 'error',
      log_type: 'logger',
      importance: 'high',
      message: 'There was an error in the application.',
      attributes: {
        httpRequest: { requestMethod: 'GET' },
        insert_id: '42',
        user_label_1: 'value_1',
        user_label_2: 'value_2',
        operation: { id: 'get_data', producer: 'github.com/MyProject/MyApplication', first: true },
        source_location: { file: 'get_data.py', line: '142', function: 'getData' },
        span_id: '000000000000004a',
        trace_id: '06796866738c859f2f19b7cfb3214824',
        trace_sampled: false,
      },
    })
  })

  test('timestampSeconds and timestampNanos', () => {
    expect(mapOne('{"severity":"WARNING","message":"slow","timestampSeconds":1602487250,"timestampNanos":5000000}')).toEqual({
      timestamp: '2020-10-12T07:20:50.005Z',
      level: 'warning',
      log_type: 'logger',
      importance: 'standard',
      message: 'slow',
    })
  })

  test.each([
    ['DEBUG', 'debug'],
    ['INFO', 'info'],
    ['NOTICE', 'info'],
    ['WARNING', 'warning'],
    ['ERROR', 'error'],
    ['CRITICAL', 'critical'],
    ['ALERT', 'critical'],
    ['EMERGENCY', 'critical'],
  ])('severity %s is %s', (severity, level) => {
    expect(mapOne(`{"severity":"${severity}","message":"x"}`).level).toBe(level)
  })

  test('DEFAULT (no severity given) takes --level, and is kept', () => {
    expect(mapOne('{"severity":"DEFAULT","message":"x"}', { level: 'warning' })).toMatchObject({ level: 'warning', attributes: { severity: 'DEFAULT' } })
  })
})
