import { Flags } from '@oclif/core'
import { IMPORTANCES, LEVELS, LOG_TYPES } from '../../contract/ingest.js'
import { makeDecoding } from '../ingest/line-splitter.js'
import { FAILURE_POLICIES } from '../ingest/shipper-types.js'
import { TimestampFormat } from '../ingest/strftime.js'
import type { TimeOptions } from '../ingest/timestamps.js'
import { makeZone } from '../ingest/zones.js'
import { CliError, EXIT } from '../runtime/errors.js'

/** The flags of `ledger ingest` (documented in the README's `ledger ingest` section). */
export const ingestFlags = {
  project: Flags.string({ char: 'p', description: 'Slug of the project (its stored key is used, or created when logged in).' }),
  'api-key': Flags.string({ description: 'API key to use (prefer LEDGER_API_KEY: argv is visible to other users).' }),
  level: Flags.option({ description: 'Level of lines that name none.', options: LEVELS, default: 'info' })(),
  attr: Flags.string({ description: 'Attribute for every line, key=value (repeatable).', multiple: true }),
  'log-type': Flags.option({ description: 'log_type of lines that set none.', options: LOG_TYPES })(),
  importance: Flags.option({ description: 'Importance of lines that set none (default: high for error and critical).', options: IMPORTANCES })(),
  environment: Flags.string({ description: 'Environment of lines that set none.' }),
  release: Flags.string({ description: 'Release of lines that set none.' }),
  tee: Flags.boolean({ description: 'Copy the input to stdout as well.' }),
  'on-failure': Flags.option({
    description: 'retry: until delivered (after the input ends, for --give-up-after); fail: stop when a batch fails that long; drop: drop it and go on.',
    options: FAILURE_POLICIES,
    default: 'retry',
  })(),
  'give-up-after': Flags.integer({
    description:
      'Seconds of failures (daemon unreachable, 5xx other than 503) before giving up (see --on-failure). A busy daemon (429, 503) is waited for as long as it asks.',
    default: 60,
    min: 1,
  }),
  'timestamp-format': Flags.string({
    description: "strftime-style pattern of the lines' time (%Y-%m-%d %H:%M:%S, %d/%b/%Y:%H:%M:%S %z, %s…), instead of recognising it.",
  }),
  timezone: Flags.string({ description: 'Zone of times written without one: local (default), UTC, +02:00, or an IANA name (Europe/Paris).' }),
  'strip-timestamp': Flags.boolean({ description: "Keep a plain line's time out of its message." }),
  'multiline-start': Flags.string({
    description: 'A line matching this regular expression starts a log; any other continues the one before (default: stack traces are recognised).',
  }),
  encoding: Flags.string({ description: 'Encoding of the input: utf-8 (default), latin1, utf-16le, utf-16be, windows-1252…' }),
  wait: Flags.boolean({ description: 'Exit only once every log sent is searchable (processed by the daemon).' }),
  'wait-timeout': Flags.integer({ description: 'Seconds --wait waits at most (0: no limit).', default: 600, min: 0 }),
  'batch-size': Flags.integer({ description: 'Logs per request (1-1000).', default: 1000, min: 1, max: 1000 }),
  concurrency: Flags.integer({ description: 'Requests in flight at once.', default: 4, min: 1, max: 16 }),
}

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
