import { describe, expect, test } from 'vitest'
import { parseTimeFlag } from '../../../src/cli/flags/time.js'

// What `--since`, `--until`, `--from` and `--to` take: durations, words, local dates, timestamps.

const now = new Date(2026, 11, 3, 15, 30, 0).getTime() // 3 December 2026, 15:30 local time

describe('parseTimeFlag', () => {
  test('today and yesterday are local midnights', () => {
    expect(parseTimeFlag('--since', 'today', now)).toBe(new Date(2026, 11, 3).getTime())
    expect(parseTimeFlag('--since', 'yesterday', now)).toBe(new Date(2026, 11, 2).getTime())
  })

  test('a date is its local midnight; a date and time without a zone is local time', () => {
    expect(parseTimeFlag('--since', '2025-10-17', now)).toBe(new Date(2025, 9, 17).getTime())
    expect(parseTimeFlag('--since', '2025-10-17T14:30', now)).toBe(new Date(2025, 9, 17, 14, 30).getTime())
    expect(parseTimeFlag('--since', '2025-10-17 14:30:05', now)).toBe(new Date(2025, 9, 17, 14, 30, 5).getTime())
  })

  test('durations, now and timestamps with a zone as before', () => {
    expect(parseTimeFlag('--since', '1h30m', now)).toBe(now - 5_400_000)
    expect(parseTimeFlag('--since', 'now', now)).toBe(now)
    expect(parseTimeFlag('--since', '2025-10-17T10:00:00Z', now)).toBe(Date.UTC(2025, 9, 17, 10))
  })

  test.each(['2025-02-30', '2025-13-01', '2025-10-17T25:00', 'someday', '17/10/2025'])('%s is refused (a usage error)', (v) => {
    expect(() => parseTimeFlag('--since', v, now)).toThrow(`--since '${v}' is not a time`)
  })
})
