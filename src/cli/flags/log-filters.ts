import { Args, Flags } from '@oclif/core'
import { LEVELS, LOG_TYPES } from '../../contract/ingest.js'
import type { LogFilterParams } from '../../contract/logs.js'
import { formatTimestamp } from '../../shared/time.js'
import { CliError, EXIT } from '../runtime/errors.js'
import { parseTimeFlag } from './time.js'

/** The search flags `ledger logs` and `ledger tail` share. */
export const logFilterFlags = {
  project: Flags.string({ char: 'p', description: 'Slug of the project (with a login, or its stored API key).' }),
  'api-key': Flags.string({ description: 'API key to use (prefer LEDGER_API_KEY: argv is visible to other users).' }),
  level: Flags.string({ description: `Level(s), comma-separated: ${LEVELS.join(', ')}.`, multiple: true }),
  type: Flags.string({ description: `Log type(s), comma-separated: ${LOG_TYPES.join(', ')}.`, multiple: true }),
  environment: Flags.string({ description: 'Only logs of this environment.' }),
  release: Flags.string({ description: 'Only logs of this release.' }),
  attr: Flags.string({ description: 'Only logs whose attribute KEY equals VALUE (KEY=VALUE, repeatable).', multiple: true }),
}

export const queryArg = {
  query: Args.string({
    description: 'Full-text query: words, prefixes (time*), "phrases", AND/OR/NOT.',
    required: false,
    // Never read from piped stdin (oclif's default for a missing argument): `… | ledger logs`
    // must not search for what the pipe carries.
    ignoreStdin: true,
  }),
}

type FilterFlagValues = {
  level?: string[]
  type?: string[]
  environment?: string
  release?: string
  attr?: string[]
}

function oneOf(flag: string, values: string[] | undefined, allowed: readonly string[]): string | undefined {
  if (!values) return undefined
  const list = values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean)
  for (const v of list) {
    if (!allowed.includes(v)) throw new CliError(`${flag} '${v}' must be one of ${allowed.join(', ')}`, undefined, EXIT.usage)
  }
  return list.join(',')
}

/**
 * The query string of `GET /api/v1/logs` (and its tail) from the flags, checked before any
 * request: levels and types against the API's lists, `--attr` as KEY=VALUE, times parsed.
 */
export function logQuery(
  query: string | undefined,
  flags: FilterFlagValues & { since?: string; until?: string },
  now = Date.now(),
): LogFilterParams {
  const out: LogFilterParams = {}
  if (query?.trim()) out.q = query
  const level = oneOf('--level', flags.level, LEVELS)
  if (level) out.level = level
  const type = oneOf('--type', flags.type, LOG_TYPES)
  if (type) out.log_type = type
  if (flags.environment) out.environment = flags.environment
  if (flags.release) out.release = flags.release
  const attr: Record<string, string> = {}
  for (const a of flags.attr ?? []) {
    const eq = a.indexOf('=')
    if (eq <= 0) throw new CliError(`--attr '${a}' must be KEY=VALUE`, undefined, EXIT.usage)
    attr[a.slice(0, eq)] = a.slice(eq + 1)
  }
  if (flags.attr?.length) out.attr = attr
  if (flags.since) out.from = formatTimestamp(parseTimeFlag('--since', flags.since, now))
  if (flags.until) out.to = formatTimestamp(parseTimeFlag('--until', flags.until, now))
  if (out.from && out.to && Date.parse(out.from) >= Date.parse(out.to)) {
    throw new CliError('--since must be before --until', undefined, EXIT.usage)
  }
  return out
}
