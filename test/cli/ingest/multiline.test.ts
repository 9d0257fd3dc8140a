import { describe, expect, test } from 'vitest'
import { looksLikeJsonObject } from '../../../src/cli/ingest/map-line.js'
import { type InputEvent, MultilineJoiner } from '../../../src/cli/ingest/multiline.js'
import { FakeClock } from '../../helpers/fake-clock.js'
import { mapLines } from './families/map-lines.js'

// Joining the lines of multi-line events: when an event is sent (next event, idle, size cap,
// end), and what --multiline-start changes. (What the joined events become: families/*.)

function joiner(options: { start?: RegExp; maxChars?: number; maxLines?: number; held?: () => boolean } = {}) {
  const clock = new FakeClock()
  const events: InputEvent[] = []
  let blanks = 0
  const j = new MultilineJoiner(
    { clock, start: options.start ?? null, maxChars: options.maxChars, maxLines: options.maxLines },
    (e) => events.push(e),
    (n) => {
      blanks += n
    },
    options.held,
  )
  let ordinal = 0
  const push = (...lines: string[]) => {
    for (const line of lines) {
      ordinal++
      if (line.trim() === '') j.blank()
      else j.push(line, ordinal, clock.now(), looksLikeJsonObject(line))
    }
  }
  const texts = () => events.map((e) => [e.first, ...(e.rest ?? [])].join('\n'))
  return { j, clock, events, push, texts, blanks: () => blanks }
}

describe('when a joined event is sent', () => {
  test('after 200 ms without a line, so a slow stream ships promptly; not before', async () => {
    const t = joiner()
    t.push('ERROR boom', 'java.lang.IllegalStateException: x', '\tat A.b(A.java:1)')
    await t.clock.advance(199)
    expect(t.events).toHaveLength(0)
    t.push('\tat C.d(C.java:2)')
    await t.clock.advance(199)
    expect(t.events).toHaveLength(0)
    await t.clock.advance(1)
    expect(t.texts()).toEqual(['ERROR boom\njava.lang.IllegalStateException: x\n\tat A.b(A.java:1)\n\tat C.d(C.java:2)'])
  })

  test('not while the input is paused (its next lines may be waiting in the pipe)', async () => {
    let paused = true
    const t = joiner({ held: () => paused })
    t.push('ERROR boom', '  detail')
    await t.clock.advance(5000)
    expect(t.events).toHaveLength(0)
    paused = false
    await t.clock.advance(200)
    expect(t.events).toHaveLength(1)
  })

  test('at once when the next event starts, and at the end of the input', () => {
    const t = joiner()
    t.push('first', '  more', 'second')
    expect(t.texts()).toEqual(['first\n  more'])
    t.j.flush()
    expect(t.texts()).toEqual(['first\n  more', 'second'])
  })

  test('a JSON line is an event of its own, even indented, and sent at once', () => {
    const t = joiner()
    t.push('ERROR x', '  {"msg":"json"}')
    expect(t.texts()).toEqual(['ERROR x', '  {"msg":"json"}'])
    t.push('{"msg":"alone"}')
    expect(t.texts()).toEqual(['ERROR x', '  {"msg":"json"}', '{"msg":"alone"}'])
  })

  test('at the size cap: the line that would pass it starts the next event', () => {
    const t = joiner({ maxLines: 4 })
    t.push('start', '  1', '  2', '  3', '  4', '  5')
    t.j.flush()
    expect(t.texts()).toEqual(['start\n  1\n  2\n  3', '  4\n  5'])
    const c = joiner({ maxChars: 20 })
    c.push('0123456789', '  abcdef', '  ghijklmnop')
    c.j.flush()
    expect(c.texts()).toEqual(['0123456789\n  abcdef', '  ghijklmnop'])
  })

  test('blank lines: kept inside an event when a continuation follows, else counted', () => {
    const t = joiner()
    t.push('panic: x', '', 'goroutine 1 [running]:', 'main.main()', '', '', 'next line')
    t.j.flush()
    expect(t.texts()).toEqual(['panic: x\n\ngoroutine 1 [running]:\nmain.main()', 'next line'])
    expect(t.blanks()).toBe(2)
  })
})

describe('--multiline-start', () => {
  test('a line matching it starts an event, any other continues the one before', () => {
    const t = joiner({ start: /^\[\d{4}-/ })
    t.push('[2025-10-17 10:00] query:', 'SELECT *', 'FROM t', '[2025-10-17 10:01] next', 'orphan continued')
    t.j.flush()
    expect(t.texts()).toEqual(['[2025-10-17 10:00] query:\nSELECT *\nFROM t', '[2025-10-17 10:01] next\norphan continued'])
  })

  test('the first line of the input starts an event even when it does not match', () => {
    const t = joiner({ start: /^START/ })
    t.push('before', 'START a', 'b')
    t.j.flush()
    expect(t.texts()).toEqual(['before', 'START a\nb'])
  })
})

describe('what is not a continuation', () => {
  test('a new log line after a stack, an unindented sentence starting with "at"', () => {
    expect(mapLines('INFO one\nat startup the cache was cold\nINFO two').map((l) => l.message)).toEqual([
      'INFO one',
      'at startup the cache was cold',
      'INFO two',
    ])
  })

  test('indented text that is not a stack (a query, a dump): one log, all of it the message, no stack_trace', () => {
    const [log] = mapLines('2025-10-17 10:00:00 INFO slow query:\n    SELECT *\n    FROM orders')
    expect(log).toMatchObject({ level: 'info', log_type: 'console', message: '2025-10-17 10:00:00 INFO slow query:\n    SELECT *\n    FROM orders' })
    expect(log).not.toHaveProperty('stack_trace')
  })
})
