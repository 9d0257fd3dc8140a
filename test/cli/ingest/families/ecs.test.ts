import { describe, expect, test } from 'vitest'
import { mapOne } from './map-lines.js'

// Elastic Common Schema loggers (ecs-logging for Java, Node.js, Python…): `@timestamp`,
// `log.level` dotted or nested in a `log` object, `error.*`.

describe('ECS', () => {
  // https://www.elastic.co/guide/en/ecs-logging/java/current/setup.html (example output)
  test('ecs-logging-java: dotted names', () => {
    expect(
      mapOne(
        '{"@timestamp":"2019-08-06T12:09:12.375Z", "log.level": "INFO", "message":"Tomcat started on port(s): 8080 (http) with context path \'\'", "service.name":"spring-petclinic","process.thread.name":"restartedMain","log.logger":"org.springframework.boot.web.embedded.tomcat.TomcatWebServer"}',
      ),
    ).toEqual({
      timestamp: '2019-08-06T12:09:12.375Z',
      level: 'info',
      log_type: 'logger',
      importance: 'standard',
      message: "Tomcat started on port(s): 8080 (http) with context path ''",
      attributes: {
        'service.name': 'spring-petclinic',
        'process.thread.name': 'restartedMain',
        'log.logger': 'org.springframework.boot.web.embedded.tomcat.TomcatWebServer',
      },
    })
  })

  test('nested: log.level inside a `log` object (its other fields kept), error as an object', () => {
    const log = mapOne(
      '{"@timestamp":"2021-01-19T22:51:12.142Z","log":{"level":"error","logger":"app","origin":{"file":{"line":12,"name":"app.py"}}},"message":"charge failed","ecs":{"version":"1.6.0"},"error":{"type":"ValueError","message":"bad card","stack_trace":"Traceback (most recent call last):\\nValueError: bad card"}}',
    )
    expect(log).toMatchObject({
      timestamp: '2021-01-19T22:51:12.142Z',
      level: 'error',
      log_type: 'exception',
      message: 'charge failed',
      error_type: 'ValueError',
      error_message: 'bad card',
      stack_trace: 'Traceback (most recent call last):\nValueError: bad card',
      attributes: { log: { logger: 'app', origin: { file: { line: 12, name: 'app.py' } } }, ecs: { version: '1.6.0' } },
    })
  })

  test('ecs-logging-python: both log.level and a `log` object without a level', () => {
    expect(
      mapOne('{"@timestamp":"2020-03-20T18:11:37.895Z","log.level":"warning","message":"Hello world!","ecs":{"version":"1.6.0"},"log":{"logger":"app","origin":{"function":"main"}}}'),
    ).toMatchObject({ level: 'warning', message: 'Hello world!', attributes: { log: { logger: 'app', origin: { function: 'main' } } } })
  })
})
