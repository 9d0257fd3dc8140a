import { describe, expect, test } from 'vitest'
import { mapLines, mapOne } from './map-lines.js'

// .NET: Serilog's compact JSON (CLEF) and Microsoft.Extensions.Logging's JSON console formatter.

describe('Serilog CLEF', () => {
  // https://github.com/serilog/serilog-formatting-compact: @t, @mt (or @m), @l (absent: Information), @x.
  test('a message template and its properties', () => {
    expect(mapOne('{"@t":"2016-06-07T03:44:57.8532799Z","@mt":"Hello, {User}","User":"nblumhardt"}')).toEqual({
      timestamp: '2016-06-07T03:44:57.8532799Z',
      level: 'info',
      log_type: 'logger',
      importance: 'standard',
      message: 'Hello, {User}',
      attributes: { User: 'nblumhardt' },
    })
  })

  test('@l and @x', () => {
    expect(
      mapOne(
        '{"@t":"2016-06-07T03:44:57.8532799Z","@mt":"Order {OrderId} failed","@l":"Error","@x":"System.InvalidOperationException: Out of stock\\n   at Shop.Order.Place() in /src/Order.cs:line 42","OrderId":17}',
      ),
    ).toMatchObject({
      level: 'error',
      log_type: 'exception',
      error_type: 'System.InvalidOperationException',
      error_message: 'Out of stock',
      stack_trace: 'System.InvalidOperationException: Out of stock\n   at Shop.Order.Place() in /src/Order.cs:line 42',
      attributes: { OrderId: 17 },
    })
  })
})

describe('Microsoft.Extensions.Logging JSON console', () => {
  // https://learn.microsoft.com/dotnet/core/extensions/console-log-formatters (Json): LogLevel, Category, Message, State.
  test('LogLevel names (Information, Warning, Critical…)', () => {
    const logs = mapLines(
      [
        '{"Timestamp":"2024-03-01T10:15:30.1234567+00:00","EventId":0,"LogLevel":"Information","Category":"Program","Message":"Hello World!","State":{"Message":"Hello World!","{OriginalFormat}":"Hello World!"}}',
        '{"EventId":0,"LogLevel":"Critical","Category":"Program","Message":"Disk full","State":{"Message":"Disk full"}}',
      ].join('\n'),
    )
    expect(logs[0]).toMatchObject({ level: 'info', message: 'Hello World!', timestamp: '2024-03-01T10:15:30.1234567+00:00', attributes: { EventId: 0, Category: 'Program' } })
    expect(logs[1]).toMatchObject({ level: 'critical', message: 'Disk full' })
  })

  test('an unhandled exception on stderr: its frames (indented `at … in …:line`) join it', () => {
    const logs = mapLines(
      [
        "Unhandled exception. System.InvalidOperationException: Sequence contains no elements",
        '   at System.Linq.ThrowHelper.ThrowNoElementsException()',
        '   at Program.<Main>$(String[] args) in /src/Program.cs:line 3',
      ].join('\n'),
    )
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ level: 'error', log_type: 'exception', error_type: 'System.InvalidOperationException', error_message: 'Sequence contains no elements' })
    expect(logs[0]!.stack_trace!.split('\n')).toHaveLength(3)
  })
})
