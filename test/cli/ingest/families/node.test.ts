import { describe, expect, test } from 'vitest'
import { mapLines, mapOne } from './map-lines.js'

// Node.js loggers, as their documentation shows their output.

describe('pino', () => {
  // https://github.com/pinojs/pino (README): numeric levels, epoch ms, `msg`.
  test('a line of the README', () => {
    const log = mapOne('{"level":30,"time":1531171074631,"msg":"hello world","pid":657,"hostname":"Davids-MBP-3.fritz.box"}')
    expect(log).toEqual({
      timestamp: '2018-07-09T21:17:54.631Z',
      level: 'info',
      log_type: 'logger',
      importance: 'standard',
      message: 'hello world',
      attributes: { pid: 657, hostname: 'Davids-MBP-3.fritz.box' },
    })
  })

  test('an error logged with pino.error(err): its err object', () => {
    const log = mapOne(
      '{"level":50,"time":1459529098958,"pid":94473,"hostname":"MacBook-Pro-3","err":{"type":"Error","message":"an error","stack":"Error: an error\\n    at Object.<anonymous> (/examples/basic.js:16:12)"},"msg":"an error"}',
    )
    expect(log).toMatchObject({
      level: 'error',
      log_type: 'exception',
      importance: 'high',
      message: 'an error',
      error_type: 'Error',
      error_message: 'an error',
      stack_trace: 'Error: an error\n    at Object.<anonymous> (/examples/basic.js:16:12)',
    })
  })
})

describe('bunyan', () => {
  // https://github.com/trentm/node-bunyan (README): numeric levels, `time` ISO, `msg`, `v`.
  test('a line of the README', () => {
    const log = mapOne('{"name":"myapp","hostname":"banana.local","pid":40161,"level":30,"msg":"hi","time":"2013-01-04T18:46:23.851Z","v":0}')
    expect(log).toEqual({
      timestamp: '2013-01-04T18:46:23.851Z',
      level: 'info',
      log_type: 'logger',
      importance: 'standard',
      message: 'hi',
      attributes: { name: 'myapp', hostname: 'banana.local', pid: 40161, v: 0 },
    })
  })

  test.each([
    [10, 'debug'],
    [20, 'debug'],
    [30, 'info'],
    [40, 'warning'],
    [50, 'error'],
    [60, 'critical'],
  ])('level %i is %s', (n, level) => {
    expect(mapOne(`{"name":"myapp","level":${n},"msg":"x","time":"2013-01-04T18:46:23.851Z","v":0}`).level).toBe(level)
  })
})

describe('winston', () => {
  // https://github.com/winstonjs/winston (README): format.json() with format.timestamp().
  test('json() and timestamp()', () => {
    const [info, warn] = mapLines(
      [
        '{"level":"info","message":"Hello distributed log files!","timestamp":"2024-03-01T10:15:30.123Z"}',
        '{"message":"What time is the testing at?","level":"warn","label":"right meow!","timestamp":"2024-03-01T10:15:31.000Z"}',
      ].join('\n'),
    )
    expect(info).toMatchObject({ level: 'info', message: 'Hello distributed log files!', timestamp: '2024-03-01T10:15:30.123Z' })
    expect(warn).toMatchObject({ level: 'warning', message: 'What time is the testing at?', attributes: { label: 'right meow!' } })
  })

  test('format.errors({ stack: true }): the stack beside the message', () => {
    const log = mapOne(
      '{"level":"error","message":"Something went wrong","stack":"Error: Something went wrong\\n    at Object.<anonymous> (/app/index.js:12:14)","timestamp":"2024-03-01T10:15:30.123Z"}',
    )
    expect(log).toMatchObject({
      level: 'error',
      log_type: 'exception',
      error_type: 'Error',
      error_message: 'Something went wrong',
      stack_trace: 'Error: Something went wrong\n    at Object.<anonymous> (/app/index.js:12:14)',
    })
  })
})

describe('a Node.js stack trace on stderr', () => {
  test('the `at` lines join the error line', () => {
    const logs = mapLines(
      [
        'TypeError: Cannot read properties of undefined (reading \'id\')',
        '    at handler (/app/routes/user.js:14:22)',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
        'server listening on :3000',
      ].join('\n'),
    )
    expect(logs).toHaveLength(2)
    expect(logs[0]).toMatchObject({
      level: 'error',
      log_type: 'exception',
      message: "TypeError: Cannot read properties of undefined (reading 'id')",
      error_type: 'TypeError',
      error_message: "Cannot read properties of undefined (reading 'id')",
      stack_trace:
        "TypeError: Cannot read properties of undefined (reading 'id')\n    at handler (/app/routes/user.js:14:22)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
    })
    expect(logs[1]).toMatchObject({ message: 'server listening on :3000', level: 'info' })
  })
})
