import { describe, expect, test } from 'vitest'
import { TimestampFormat } from '../../../src/cli/ingest/strftime.js'
import { makeZone } from '../../../src/cli/ingest/zones.js'
import { IsoClock } from '../../../src/cli/ingest/timestamps.js'
import { mapOne } from './families/map-lines.js'

// --timestamp-format, --timezone, and the fast ISO formatting every log's time goes through.

const utc = makeZone('UTC')

describe('--timestamp-format (strftime-style)', () => {
  test.each<[string, string, string, string?]>([
    ['%Y-%m-%d %H:%M:%S', '2025-10-17 10:00:00 ERROR x', '2025-10-17T10:00:00.000Z'],
    ['%d/%b/%Y:%H:%M:%S %z', '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /"', '2000-10-10T20:55:36.000Z'],
    ['%d.%m.%Y %H:%M:%S.%f', '17.10.2025 10:00:00.123456 started', '2025-10-17T10:00:00.123Z'],
    ['%m/%d/%y %I:%M:%S %p', '10/17/25 02:30:00 PM backup done', '2025-10-17T14:30:00.000Z'],
    ['%s', '1760695200.5 tick', '2025-10-17T10:00:00.500Z'],
    ['%b %e %T', 'Oct  7 10:00:00 host x', '2025-10-07T10:00:00.000Z'],
    ['%F %T %Z', '2025-10-17 10:00:00 UTC boot', '2025-10-17T10:00:00.000Z'],
    ['%Y%m%dT%H%M%S', 'at 20251017T100000 the job ran', '2025-10-17T10:00:00.000Z'],
  ])('%s reads %j', (pattern, line, iso) => {
    expect(mapOne(line, { time: { zone: utc, format: new TimestampFormat(pattern) } }).timestamp).toBe(iso)
  })

  test('--strip-timestamp removes what the format matched', () => {
    expect(mapOne('17.10.2025 10:00:00 started', { stripTimestamp: true, time: { zone: utc, format: new TimestampFormat('%d.%m.%Y %H:%M:%S') } }).message).toBe('started')
  })

  test('a line it does not match keeps the time it was read (no guessing besides)', () => {
    const log = mapOne('2025-10-17T10:00:00Z not in the given format', { time: { zone: utc, format: new TimestampFormat('%d/%m/%Y %H:%M') } })
    expect(log.timestamp).toBe('2026-03-04T05:06:07.890Z')
  })

  test.each([
    ['%Y-%m-%d', 'needs an hour (%H or %I) or epoch seconds (%s)'],
    ['%Y-%m-%d %H:%Q', 'unknown directive %Q'],
  ])('%j is refused: %s', (pattern, message) => {
    expect(() => new TimestampFormat(pattern)).toThrow(message)
  })
})

describe('--timezone', () => {
  test.each([
    ['UTC', '2025-10-17T10:00:00.000Z'],
    ['Europe/Paris', '2025-10-17T08:00:00.000Z'],
    ['Asia/Kolkata', '2025-10-17T04:30:00.000Z'],
    ['-03:00', '2025-10-17T13:00:00.000Z'],
    ['+0200', '2025-10-17T08:00:00.000Z'],
  ])('%s', (zone, iso) => {
    expect(mapOne('2025-10-17 10:00:00 x', { time: { zone: makeZone(zone) } }).timestamp).toBe(iso)
    expect(mapOne('{"time":"2025-10-17 10:00:00","msg":"x"}', { time: { zone: makeZone(zone) } }).timestamp).toBe(iso)
  })

  test('daylight saving time: each date in its own offset', () => {
    const ny = makeZone('America/New_York')
    expect(mapOne('2025-01-15 12:00:00 winter', { time: { zone: ny } }).timestamp).toBe('2025-01-15T17:00:00.000Z')
    expect(mapOne('2025-07-15 12:00:00 summer', { time: { zone: ny } }).timestamp).toBe('2025-07-15T16:00:00.000Z')
  })

  test('the default is the machine\'s local zone', () => {
    expect(mapOne('2025-10-17 10:00:00 x', { time: {} }).timestamp).toBe(new Date(2025, 9, 17, 10).toISOString())
  })

  test('a time with a zone ignores --timezone', () => {
    expect(mapOne('2025-10-17T10:00:00+02:00 x', { time: { zone: makeZone('Asia/Tokyo') } }).timestamp).toBe('2025-10-17T08:00:00.000Z')
  })

  test.each(['Mars/Olympus', '+25:00', 'nonsense'])('%j is refused with a clear message', (zone) => {
    expect(() => makeZone(zone)).toThrow(/--timezone/)
  })
})

describe('IsoClock', () => {
  test('formats like toISOString, across minutes, years and fractions', () => {
    const clock = new IsoClock()
    for (const ms of [Date.UTC(1000, 0, 1), 0, 999, 59_999, 60_000, 1_760_695_200_250, 1_760_695_200_250.9, 253_402_300_799_999, 1_760_695_259_999, 1_760_695_260_000])
      expect(clock.iso(ms)).toBe(new Date(Math.floor(ms)).toISOString())
  })
})
