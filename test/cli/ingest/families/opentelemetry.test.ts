import { describe, expect, test } from 'vitest'
import { mapOne } from './map-lines.js'

// OpenTelemetry's log data model written as JSON lines (the spec's example record, and the
// snake_case names SDK exporters and collectors' file output use).

describe('OpenTelemetry log records', () => {
  // https://opentelemetry.io/docs/specs/otel/logs/data-model/ (Example log records)
  test('the data model example: Body, SeverityText, Timestamp in ns, Attributes, Resource', () => {
    const log = mapOne(
      '{"Timestamp": "1586960586000000000", "Attributes": {"http.status_code": 500, "http.url": "http://example.com", "my.custom.application.tag": "hello"}, "Resource": {"service.name": "donut_shop", "service.version": "2.0.0", "k8s.pod.uid": "1138528c-c36e-11e9-a1a7-42010a800198"}, "TraceId": "f4dbb3edd765f620", "SpanId": "43222c2d51a7abe3", "SeverityText": "INFO", "SeverityNumber": 9, "Body": "20200415T072306-0700 INFO I like donuts"}',
    )
    expect(log).toMatchObject({
      timestamp: '2020-04-15T14:23:06.000Z',
      level: 'info',
      message: '20200415T072306-0700 INFO I like donuts',
      attributes: {
        'http.status_code': 500,
        'http.url': 'http://example.com',
        'my.custom.application.tag': 'hello',
        Resource: { 'service.name': 'donut_shop', 'service.version': '2.0.0', 'k8s.pod.uid': '1138528c-c36e-11e9-a1a7-42010a800198' },
        TraceId: 'f4dbb3edd765f620',
        SpanId: '43222c2d51a7abe3',
        SeverityNumber: 9,
      },
    })
  })

  test.each([
    [1, 'debug'],
    [5, 'debug'],
    [9, 'info'],
    [13, 'warning'],
    [17, 'error'],
    [21, 'critical'],
    [24, 'critical'],
  ])('severity_number %i alone is %s', (n, level) => {
    const log = mapOne(`{"body": "x", "severity_number": ${n}, "time_unix_nano": 1586960586000000000}`)
    expect(log.level).toBe(level)
    expect(log.attributes ?? {}).not.toHaveProperty('severity_number')
  })

  test('body as a map is its JSON; timeUnixNano, observedTimeUnixNano; severityText with a digit (INFO2)', () => {
    expect(mapOne('{"timeUnixNano":"1700000000123456789","severityText":"INFO2","body":{"event":"refund","amount":3}}')).toMatchObject({
      timestamp: '2023-11-14T22:13:20.123Z',
      level: 'info',
      message: '{"event":"refund","amount":3}',
    })
    expect(mapOne('{"observedTimeUnixNano":"1700000000000000000","severityText":"WARN4","body":"late"}')).toMatchObject({
      timestamp: '2023-11-14T22:13:20.000Z',
      level: 'warning',
    })
  })

  test('exception.* attributes become the error fields', () => {
    expect(
      mapOne('{"body":"payment failed","severity_text":"ERROR","exception.type":"java.io.IOException","exception.message":"gone","exception.stacktrace":"java.io.IOException: gone\\n\\tat A.b(A.java:1)"}'),
    ).toMatchObject({ level: 'error', error_type: 'java.io.IOException', error_message: 'gone', stack_trace: 'java.io.IOException: gone\n\tat A.b(A.java:1)' })
  })
})
