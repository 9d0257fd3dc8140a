import { describe, expect, it } from 'vitest'
import { bar, compact, formatAgo, formatDuration, logText, sparkline } from '../../src/tui/format.js'
import { renderSnapshot } from '../../src/tui/snapshot.js'
import { errorLog, overview } from './fixtures.js'

describe('tui formatting', () => {
  it('shows a log as one printable line: whitespace runs collapsed, control sequences escaped', () => {
    const log = { message: 'a\n\tb  \u001b[2Jc\u202e', error_type: null, error_message: null } as Parameters<typeof logText>[0]
    expect(logText(log)).toBe('a b \\x1b[2Jc\\u202e')
    expect(logText({ ...log, message: null, error_type: 'E', error_message: 'boom' })).toBe('E: boom')
  })

  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1.0k'],
    [12_345, '12k'],
    [1_000_000, '1.0M'],
    [2.25, '2.3'],
  ])('compact(%d) is %s', (n, text) => {
    expect(compact(n)).toBe(text)
  })

  it('draws a sparkline right-aligned, one character per run of points, scaled to the largest', () => {
    expect(sparkline([0, 0, 0, 0], 4)).toBe('    ')
    expect(sparkline([1, 2, 4, 8], 4)).toBe('▁▂▄█')
    // 6 points in 3 characters: pairs summed.
    expect(sparkline([1, 1, 0, 0, 4, 4], 3)).toBe('▂ █')
    expect(sparkline([5], 3)).toBe('  █')
  })

  it('draws a bar of value against max, a cell filled only when at least half of it is', () => {
    expect(bar(0, 100, 10)).toBe('░░░░░░░░░░')
    // 6 of 100,000 is not a full block (the case), nor is anything under half a cell.
    expect(bar(6, 100_000, 10)).toBe('░░░░░░░░░░')
    expect(bar(1, 100_000, 10)).toBe('░░░░░░░░░░')
    expect(bar(4, 100, 10)).toBe('░░░░░░░░░░')
    expect(bar(5, 100, 10)).toBe('█░░░░░░░░░')
    expect(bar(94, 100, 10)).toBe('█████████░')
    expect(bar(95, 100, 10)).toBe('██████████')
    expect(bar(50, 100, 10)).toBe('█████░░░░░')
    expect(bar(500, 100, 4)).toBe('████')
  })

  it('says durations and ages the short way', () => {
    expect(formatDuration(45)).toBe('45s')
    expect(formatDuration(3 * 3600 + 125)).toBe('3h 2m')
    expect(formatAgo(null, '2025-10-17T10:00:00Z')).toBe('never')
    expect(formatAgo('2025-10-17T09:58:30Z', '2025-10-17T10:00:00Z')).toBe('1m ago')
  })
})

describe('plain snapshot (stdout not a terminal)', () => {
  it('prints the same figures as the screen, without colours or cursor movement', () => {
    const text = renderSnapshot(overview(), 'http://127.0.0.1:8000', 100, 'UTC')
    expect(text).not.toMatch(/\u001B/)
    const lines = text.split('\n')
    expect(lines[0]).toBe('Ledger daemon http://127.0.0.1:8000: healthy, v9.8.7, up 2h 5m, at 2025-10-17T10:00:00Z')
    expect(lines[1]).toBe('Ingest: 7.7 logs/s; last 5m 77 logs, 6 errors; queue 910')
    expect(text).toContain('Projects (3)')
    expect(text).toMatch(/^api +5\.5 +10 ░{10} +1 +900000\/1000000 \(90%\)$/m)
    expect(text).toMatch(/^payments +2\.2 +900 █{9}░ +5 +0\/1000000 \(0%\)$/m)
    expect(text).toMatch(/^pay-worker +payments +3\/1000 +17 +3m ago$/m)
    expect(text).toMatch(/^09:59:50 {2}api {2}CRITICAL {2}database connection lost$/m)
    // Projects by slug in a snapshot: a stable order for scripts.
    expect(text.indexOf('\napi ')).toBeLessThan(text.indexOf('\npayments '))
    expect(text.endsWith('\n')).toBe(true)
  })

  it('shows times in the zone it is given (--utc: UTC), a back-dated log with its day', () => {
    const o = overview()
    o.recent_errors.push(errorLog(103, 3, 'replayed from yesterday', 'error', '2025-10-16T09:00:00Z'))
    const text = renderSnapshot(o, 'http://127.0.0.1:8000', 100, 'Asia/Tokyo')
    expect(text.split('\n')[0]).toMatch(/, at 2025-10-17T19:00:00\+09:00$/)
    expect(text).toMatch(/^18:59:50 {2}api {2}CRITICAL {2}database connection lost$/m)
    expect(text).toMatch(/^Oct 16 18:00 {2}web {2}ERROR {2}replayed from yesterday$/m)
    expect(renderSnapshot(o, 'http://127.0.0.1:8000', 100, 'UTC')).toMatch(/^Oct 16 09:00 {2}web {2}ERROR/m)
  })
})
