import { CliError, EXIT } from '../errors.js'
import { makeDecoding } from './line-splitter.js'
import { TimestampFormat } from './strftime.js'
import { makeZone } from './zones.js'
import type { TimeOptions } from './timestamps.js'

/** The flags of `ledger ingest` that say how lines are read. */
export interface ReadingFlags {
  'timestamp-format'?: string | undefined
  timezone?: string | undefined
  'multiline-start'?: string | undefined
  encoding?: string | undefined
}

/** What those flags mean, checked before anything is read or sent (a bad value: exit 2). */
export interface Reading {
  time: TimeOptions
  multilineStart: RegExp | null
  encoding: string
}

export function readingOptions(flags: ReadingFlags): Reading {
  const usage = (message: string) => new CliError(message, undefined, EXIT.usage)
  let time: TimeOptions
  try {
    time = {
      zone: makeZone(flags.timezone),
      format: flags['timestamp-format'] ? new TimestampFormat(flags['timestamp-format']) : null,
    }
  } catch (err) {
    throw usage((err as Error).message)
  }
  let multilineStart: RegExp | null = null
  if (flags['multiline-start'] !== undefined) {
    try {
      multilineStart = new RegExp(flags['multiline-start'])
    } catch (err) {
      throw usage(`--multiline-start is not a regular expression: ${(err as Error).message}`)
    }
  }
  const encoding = flags.encoding ?? 'utf-8'
  try {
    makeDecoding(encoding)
  } catch (err) {
    throw usage((err as Error).message)
  }
  return { time, multilineStart, encoding }
}
