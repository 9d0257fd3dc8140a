import chalk from 'chalk'
import { describe, expect, it } from 'vitest'
import { formatLog } from '../../../src/cli/output/log-line.js'
import type { Log } from '../../../src/contract/ingest.js'
import { printable } from '../../../src/shared/printable.js'
import { errorLog } from '../../tui/fixtures.js'

// How `ledger logs`, `ledger tail` and `panels show` print a log for a person. Logs are written
// by whoever holds an ingest key: what they carry must not act on the reader's terminal.

const stored = (over: Partial<Log>): Log => ({ ...errorLog(1, 1, 'plain', 'info', '2026-12-01T10:00:00Z'), ...over })

const ESC = '\u001b'
// The figures below are the text without colour, whatever the environment says.
chalk.level = 0

describe('printable', () => {
  it('leaves ordinary text, tabs, newlines and non-Latin scripts as they are', () => {
    for (const s of ['GET /api 200', 'a\tb', 'two\nlines', 'café ñ 日本語 🙂', '']) expect(printable(s)).toBe(s)
  })

  it('shows control characters as escapes: ESC, CR, BEL, NUL, DEL, C1, line separators, bidi overrides', () => {
    expect(printable(`${ESC}[2J${ESC}]52;c;ZXZpbA==\u0007`)).toBe('\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07')
    expect(printable('done\rFAKE')).toBe('done\\x0dFAKE')
    expect(printable('\u0000\u007f\u009b')).toBe('\\x00\\x7f\\x9b')
    expect(printable('a\u2028b\u202egnp.exe')).toBe('a\\u2028b\\u202egnp.exe')
  })
})

describe('formatLog', () => {
  it('prints a log on one line: time, level, message, error, attributes', () => {
    const line = formatLog(
      stored({ level: 'error', message: 'db down', error_type: 'ConnError', error_message: 'refused', attributes: { user_id: 42 } }),
    )
    expect(line).toBe('2026-12-01T10:00:00Z ERROR db down ConnError: refused user_id=42')
  })

  it('does not repeat the error message when it stands in for a missing message', () => {
    expect(formatLog(stored({ message: null, error_type: 'E', error_message: 'boom' }))).toBe('2026-12-01T10:00:00Z INFO  boom E')
  })

  it('shows error_message when error_type is empty (#24)', () => {
    expect(formatLog(stored({ level: 'error', message: 'payment failed', error_type: null, error_message: 'card declined' }))).toBe(
      '2026-12-01T10:00:00Z ERROR payment failed card declined',
    )
    expect(formatLog(stored({ level: 'error', message: 'payment failed', error_type: '', error_message: 'card declined' }))).toBe(
      '2026-12-01T10:00:00Z ERROR payment failed card declined',
    )
  })

  it('never lets a log put a control sequence on the terminal, in any field', () => {
    const line = formatLog(
      stored({
        message: `${ESC}[2Jcleared`,
        error_type: `T${ESC}[31m`,
        error_message: `m\u0007`,
        environment: `prod${ESC}]0;title\u0007`,
        attributes: { [`k${ESC}`]: `v\r`, n: 1 },
        stack_trace: `at x\r\n${ESC}[1A`,
      }),
      { stacks: true },
    )
    expect(line).not.toContain(ESC)
    expect(line).not.toContain('\u0007')
    expect(line).not.toContain('\r')
    expect(line).toContain('\\x1b[2Jcleared')
    expect(line).toContain('k\\x1b=v\\x0d')
  })

  it('prints the stack trace with --stacks below the log, every line of it indented', () => {
    const line = formatLog(stored({ stack_trace: 'Error: boom\r\n    at f (a.js:1)\nat g' }), { stacks: true })
    expect(line.split('\n')).toEqual([
      '2026-12-01T10:00:00Z INFO  plain',
      '    Error: boom',
      '        at f (a.js:1)',
      '    at g',
    ])
  })

  it('puts each further line of a multi-line message on an indented line, so no line can pass for another log', () => {
    const line = formatLog(stored({ message: 'first\n2026-12-01T10:00:00Z ERROR forged\r\nthird' }))
    expect(line.split('\n')).toEqual([
      '2026-12-01T10:00:00Z INFO  first',
      '    2026-12-01T10:00:00Z ERROR forged',
      '    third',
    ])
  })
})
