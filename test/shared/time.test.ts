import { describe, expect, it } from 'vitest'
import { parseTimestamp } from '../../src/shared/time.js'

// parseTimestamp reads the common `YYYY-MM-DDTHH:MM:SS(.mmm)Z` by hand (ingestion parses one per
// log) and everything else with the regular expression and Date.parse. The hand-read path must
// give exactly what the general one gives, for every input.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/
function reference(v: string): number | null {
  if (!ISO_8601.test(v)) return null
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
