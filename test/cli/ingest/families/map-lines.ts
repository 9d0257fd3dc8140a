import { expect } from 'vitest'
import { isBlank, LineMapper, looksLikeJsonObject, type MapOptions } from '../../../../src/cli/ingest/map-line.js'
import { type InputEvent, MultilineJoiner } from '../../../../src/cli/ingest/multiline.js'
import { makeZone } from '../../../../src/cli/ingest/zones.js'
import { type LogInput, validateLog } from '../../../../src/contract/ingest.js'
import { FakeClock } from '../../../helpers/fake-clock.js'

/** When the test's lines were "read". */
export const READ_AT = Date.parse('2026-03-04T05:06:07.890Z')
export const READ_ISO = '2026-03-04T05:06:07.890Z'

/**
 * The logs `ledger ingest` makes of `text` (lines joined into events as the pipeline does,
 * zoneless times in UTC unless `options.time` says otherwise), each checked against the
 * daemon's own validation.
 */
export function mapLines(text: string, options: MapOptions & { multilineStart?: RegExp } = {}): LogInput[] {
  const mapper = new LineMapper({ time: { zone: makeZone('UTC'), bootTime: () => null }, ...options })
  const logs: LogInput[] = []
  const joiner = new MultilineJoiner(
    { clock: new FakeClock(), start: options.multilineStart ?? null },
    (ev: InputEvent) => logs.push(JSON.parse(mapper.mapEvent(ev)) as LogInput),
    () => {},
  )
  text.split('\n').forEach((line, i) => {
    if (isBlank(line)) joiner.blank()
    else joiner.push(line, i + 1, READ_AT, looksLikeJsonObject(line))
  })
  joiner.flush()
  joiner.close()
  for (const log of logs) {
    const v = validateLog(log)
    expect(v.ok, v.ok ? '' : v.detail).toBe(true)
  }
  return logs
}

/** The one log of a one-line text. */
export function mapOne(line: string, options: MapOptions = {}): LogInput {
  const logs = mapLines(line, options)
  expect(logs).toHaveLength(1)
  return logs[0]!
}
