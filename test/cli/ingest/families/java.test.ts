import { describe, expect, test } from 'vitest'
import { mapLines, mapOne } from './map-lines.js'

// The JVM: logback and log4j text with stack traces, log4j2's JsonLayout, logstash-logback-encoder.

const LOGBACK = [
  '2025-10-17 10:00:00.123 ERROR 4242 --- [nio-8080-exec-1] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() threw exception',
  'java.lang.IllegalStateException: boom',
  '\tat com.example.demo.DemoController.fail(DemoController.java:42) ~[classes/:na]',
  '\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103) ~[na:na]',
  'Caused by: java.io.IOException: connection reset',
  '\tat com.example.demo.Client.read(Client.java:17) ~[classes/:na]',
  '\t... 52 common frames omitted',
  '2025-10-17 10:00:00.456  INFO 4242 --- [nio-8080-exec-2] c.e.demo.DemoController                  : next request',
]

describe('logback / Spring Boot text', () => {
  test('a stack trace is one log: the line that logged it, its level and time; the stack in stack_trace', () => {
    const logs = mapLines(LOGBACK.join('\n'))
    expect(logs).toHaveLength(2)
    expect(logs[0]).toMatchObject({
      timestamp: '2025-10-17T10:00:00.123Z',
      level: 'error',
      log_type: 'exception',
      importance: 'high',
      message: LOGBACK[0],
      error_type: 'java.lang.IllegalStateException',
      error_message: 'boom',
      stack_trace: LOGBACK.slice(1, 7).join('\n'),
    })
    expect(logs[1]).toMatchObject({ level: 'info', timestamp: '2025-10-17T10:00:00.456Z', message: LOGBACK[7] })
  })

  test('an exception line that no frame follows is a log of its own', () => {
    const logs = mapLines(['2025-10-17 10:00:00 WARN retry scheduled', 'java.net.SocketTimeoutException: Read timed out', '2025-10-17 10:00:01 INFO ok'].join('\n'))
    expect(logs.map((l) => l.message)).toEqual(['2025-10-17 10:00:00 WARN retry scheduled', 'java.net.SocketTimeoutException: Read timed out', '2025-10-17 10:00:01 INFO ok'])
  })

  test('an uncaught exception on stderr: "Exception in thread"', () => {
    const logs = mapLines(
      [
        'Exception in thread "main" java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null',
        '\tat Main.main(Main.java:5)',
      ].join('\n'),
    )
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({
      level: 'error',
      error_type: 'java.lang.NullPointerException',
      error_message: 'Cannot invoke "String.length()" because "s" is null',
      stack_trace: 'Exception in thread "main" java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null\n\tat Main.main(Main.java:5)',
    })
  })
})

describe('log4j2 JsonLayout', () => {
  // https://logging.apache.org/log4j/2.x/manual/json-template-layout.html (JsonLayout, compact):
  // `instant` {epochSecond, nanoOfSecond}, `thrown` with extendedStackTrace frames.
  test('instant, level, loggerName, message and thrown', () => {
    const log = mapOne(
      '{"instant":{"epochSecond":1493121664,"nanoOfSecond":118000000},"thread":"main","level":"INFO","loggerName":"HelloWorld","message":"Hello, world!","thrown":{"commonElementCount":0,"message":"error message","name":"java.lang.RuntimeException","extendedStackTrace":[{"class":"logtest.Main","method":"main","file":"Main.java","line":29,"exact":true,"location":"classes/","version":"?"}]},"endOfBatch":false,"loggerFqcn":"org.apache.logging.log4j.spi.AbstractLogger","threadId":1,"threadPriority":5}',
    )
    expect(log).toMatchObject({
      timestamp: '2017-04-25T12:01:04.118Z',
      level: 'info',
      log_type: 'exception',
      message: 'Hello, world!',
      error_type: 'java.lang.RuntimeException',
      error_message: 'error message',
      stack_trace: '\tat logtest.Main.main(Main.java:29)',
      attributes: { thread: 'main', loggerName: 'HelloWorld', threadId: 1, thrown: { commonElementCount: 0 } },
    })
  })
})

describe('logstash-logback-encoder', () => {
  // https://github.com/logfellow/logstash-logback-encoder: the standard fields.
  test('@timestamp, level, level_value, stack_trace', () => {
    const log = mapOne(
      '{"@timestamp":"2019-11-03T10:15:30.123+01:00","@version":"1","message":"My message","logger_name":"org.example.Example","thread_name":"main","level":"ERROR","level_value":40000,"stack_trace":"java.lang.IllegalArgumentException: bad\\n\\tat org.example.Example.main(Example.java:7)"}',
    )
    expect(log).toMatchObject({
      timestamp: '2019-11-03T10:15:30.123+01:00',
      level: 'error',
      message: 'My message',
      error_type: 'java.lang.IllegalArgumentException',
      error_message: 'bad',
      attributes: { '@version': '1', logger_name: 'org.example.Example', thread_name: 'main', level_value: 40000 },
    })
  })
})
