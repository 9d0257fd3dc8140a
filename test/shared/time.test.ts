import { describe, expect, it } from 'vitest'
import {
  displayZone,
  formatAgo,
  formatClock,
  formatLocalTimestamp,
  formatWhen,
  parseLocalTimestamp,
  parseTimestamp,
  parseWordedDate,
  wallClock,
} from '../../src/shared/time.js'

// parseTimestamp reads the common `YYYY-MM-DDTHH:MM:SS(.mmm)Z` by hand (ingestion parses one per
// log) and everything else with the regular expression and Date.parse. The hand-read path must
// give exactly what the general one gives, for every input. Neither takes an instant that does
// not exist: Date.parse alone rolls `2025-02-30` over to 2 March and takes year 0000.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?([Zz]|[+-](\d{2}):?(\d{2}))$/
function reference(v: string): number | null {
  const m = ISO_8601.exec(v)
  if (!m) return null
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(m[i]))
  const sec = Number(m[7] ?? 0)
  // The day exists when Date keeps it as it is (it rolls 30 February over to March).
  const probe = new Date(0)
  probe.setUTCFullYear(y!, mo! - 1, d!)
  if (y! < 1 || probe.getUTCMonth() !== mo! - 1 || probe.getUTCDate() !== d) return null
  if (h! > 23 || mi! > 59 || sec > 59) return null
  if (m[10] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return null
  const ms = Date.parse(v)
  return Number.isNaN(ms) ? null : ms
}

/** A deterministic pseudo-random sequence (the failures must be reproducible). */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('parseTimestamp', () => {
  it('reads the common forms, to the millisecond', () => {
    expect(parseTimestamp('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1))
    expect(parseTimestamp('2026-12-28T23:59:59.999Z')).toBe(Date.UTC(2026, 11, 28, 23, 59, 59, 999))
    expect(parseTimestamp('1999-07-04T12:30:05.010Z')).toBe(Date.UTC(1999, 6, 4, 12, 30, 5, 10))
    expect(parseTimestamp('2026-01-01T00:00:00+02:00')).toBe(Date.UTC(2025, 11, 31, 22))
    expect(parseTimestamp('2026-01-01')).toBeNull()
    expect(parseTimestamp('2026-01-01T00:00:00')).toBeNull()
  })

  it.each([
    ['30 February', '2025-02-30T00:00:00Z'],
    ['29 February of a common year', '2025-02-29T10:00:00+01:00'],
    ['29 February of 2100 (not a leap year)', '2100-02-29T00:00:00Z'],
    ['31 April', '2025-04-31T12:00:00.5Z'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['day 00', '2025-01-00T00:00:00Z'],
    ['month 13', '2025-13-01T00:00:00Z'],
    ['24:00', '2025-01-01T24:00:00Z'],
    ['an offset of 24 hours', '2025-01-01T00:00:00+24:00'],
    ['an offset of 60 minutes', '2025-01-01T00:00:00+05:60'],
  ])('refuses an instant that does not exist (%s) instead of rolling it over', (_what, value) => {
    expect(parseTimestamp(value)).toBeNull()
  })

  it('takes 29 February of leap years, and offsets up to ±23:59', () => {
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29))
    expect(parseTimestamp('2000-02-29T12:00:00.5Z')).toBe(Date.UTC(2000, 1, 29, 12, 0, 0, 500))
    expect(parseTimestamp('2025-01-01T23:59:00+23:59')).toBe(Date.UTC(2025, 0, 1, 0, 0))
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(Date.parse('0001-01-01T00:00:00Z'))
  })

  it('agrees with the regular expression and Date.parse on every edge of the hand-read form', () => {
    const cases: string[] = []
    for (const year of ['0000', '0999', '1000', '1969', '1970', '2024', '9999'])
      for (const month of ['00', '01', '02', '12', '13'])
        for (const day of ['00', '01', '28', '29', '30', '31', '32'])
          for (const time of ['00:00:00', '23:59:59', '24:00:00', '23:60:00', '23:59:60', '12:00'])
            for (const tail of ['Z', 'z', '.000Z', '.5Z', '.12Z', '.123Z', '.1234Z', '.123456Z', '.123456789Z', '+00:00', '-0130', '.123+05:30', ''])
              for (const sep of ['T', 't', ' ']) cases.push(`${year}-${month}-${day}${sep}${time}${tail}`)
    cases.push('2026-01-01T00:00:00.12aZ', '2026-01-01T00:00:00,123Z', '２026-01-01T00:00:00Z', '2026-01-01T00:00:00ZZ', ' 2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z ')
    for (const c of cases) expect(parseTimestamp(c), c).toBe(reference(c))
  })

  it('agrees with the general path on random mutations of valid timestamps', () => {
    const next = random(42)
    const alphabet = '0123456789-:.TZtz +x'
    for (let i = 0; i < 20_000; i++) {
      const base = new Date(Math.floor(next() * 4e12) - 1e12).toISOString()
      let v = next() < 0.5 ? base : base.replace(/\.\d{3}Z$/, 'Z')
      const edits = Math.floor(next() * 3)
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * v.length)
        v = v.slice(0, at) + alphabet[Math.floor(next() * alphabet.length)]! + v.slice(at + 1)
      }
      expect(parseTimestamp(v), v).toBe(reference(v))
    }
  })
})

describe('parseLocalTimestamp and parseWordedDate (the CLI reads log lines with them)', () => {
  it('read real dates and refuse impossible ones', () => {
    expect(parseLocalTimestamp('2025-02-28 10:00:00,123')).toBe(new Date(2025, 1, 28, 10, 0, 0, 123).getTime())
    expect(parseLocalTimestamp('2025-02-30 10:00:00')).toBeNull()
    expect(parseLocalTimestamp('0000-01-01T00:00')).toBeNull()
    expect(parseWordedDate('Fri, 28 Feb 2025 10:00:00 GMT')).toBe(Date.UTC(2025, 1, 28, 10))
    expect(parseWordedDate('Sun, 30 Feb 2025 10:00:00 GMT')).toBeNull()
    expect(parseWordedDate('Feb 30 2025 10:00:00 GMT')).toBeNull()
    expect(parseWordedDate('Mon Oct 17 2025 10:00:00 GMT+0200')).toBe(Date.UTC(2025, 9, 17, 8))
  })
})

describe('times as people read them (a named zone, or the machine\'s)', () => {
  const at = Date.parse('2025-10-17T10:00:05Z')

  it('reads an instant on the wall clock of a zone, with its short name and offset', () => {
    expect(wallClock(at, 'Asia/Tokyo')).toEqual({ year: 2025, month: 10, day: 17, hour: 19, minute: 0, second: 5, zone: 'GMT+9', offsetMinutes: 540 })
    expect(wallClock(at, 'UTC')).toMatchObject({ hour: 10, zone: 'UTC', offsetMinutes: 0 })
    expect(wallClock(at, 'America/New_York')).toMatchObject({ hour: 6, zone: 'EDT', offsetMinutes: -240 })
    // Midnight is 00, not 24 (some locales' hour cycle).
    expect(formatClock(Date.parse('2025-10-17T15:00:00Z'), 'Asia/Tokyo')).toBe('00:00:00')
  })

  it('follows TZ when no zone is named', () => {
    // The machine's zone is whatever TZ says; the answer must equal Date's own local fields.
    const d = new Date(at)
    const w = wallClock(at)
    expect([w.hour, w.minute, w.second]).toEqual([d.getHours(), d.getMinutes(), d.getSeconds()])
    expect(w.offsetMinutes).toBe(0 - d.getTimezoneOffset())
  })

  it('shortens a log time by its distance from now: the time today, the day this year, the date before', () => {
    const now = Date.parse('2025-10-17T10:00:00Z')
    expect(formatWhen(at, now, 'UTC')).toBe('10:00:05')
    expect(formatWhen(Date.parse('2025-10-16T09:59:58Z'), now, 'UTC')).toBe('Oct 16 09:59')
    expect(formatWhen(Date.parse('2024-10-16T09:59:58Z'), now, 'UTC')).toBe('2024-10-16')
    // The day is the zone's: 16:00 UTC on the 16th is already the 17th in Tokyo.
    expect(formatWhen(Date.parse('2025-10-16T16:00:00Z'), now, 'Asia/Tokyo')).toBe('01:00:00')
  })

  it('writes ISO 8601 with the zone\'s offset, Z where it is zero', () => {
    expect(formatLocalTimestamp(at, 'UTC')).toBe('2025-10-17T10:00:05Z')
    expect(formatLocalTimestamp(at, 'Asia/Tokyo')).toBe('2025-10-17T19:00:05+09:00')
    expect(formatLocalTimestamp(at + 250, 'America/New_York')).toBe('2025-10-17T06:00:05.250-04:00')
    expect(formatLocalTimestamp(Date.parse('2025-10-17T10:00:00Z'), 'Asia/Kolkata')).toBe('2025-10-17T15:30:00+05:30')
  })
})

describe('formatAgo and displayZone (#24: every command shows times alike)', () => {
  const now = Date.parse('2025-10-17T10:00:00Z')
  it.each([
    [null, 'never'],
    [now, 'just now'],
    [now + 5000, 'just now'],
    [now - 5000, '5s ago'],
    [now - 90_000, '1m ago'],
    [now - 2 * 3_600_000 - 59_000, '2h ago'],
    [now - 3 * 86_400_000 - 3_600_000, '3d ago'],
  ])('%s → %s', (ms, text) => {
    expect(formatAgo(ms, now)).toBe(text)
  })

  it('--utc wins; else TZ when Intl knows the zone (a leading colon allowed); else the machine zone', () => {
    expect(displayZone(true, 'Asia/Tokyo')).toBe('UTC')
    expect(displayZone(false, 'Asia/Tokyo')).toBe('Asia/Tokyo')
    expect(displayZone(false, ':Europe/Paris')).toBe('Europe/Paris')
    expect(displayZone(false, 'Not/AZone')).toBeUndefined()
    expect(displayZone(false, '')).toBeUndefined()
    expect(displayZone(false, undefined)).toBeUndefined()
  })
})
