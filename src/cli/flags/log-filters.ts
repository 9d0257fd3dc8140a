import { Args, Flags } from '@oclif/core'
import { LEVELS, LOG_TYPES } from '../../contract/ingest.js'
import type { LogFilterParams } from '../../contract/logs.js'
import { parseSearchQuery, SearchSyntaxError } from '../../contract/search-query.js'
import { normalizeLevel } from '../ingest/levels.js'
import { formatTimestamp } from '../../shared/time.js'
import { CliError, EXIT } from '../runtime/errors.js'
import { parseTimeFlag } from './time.js'

/** The search flags `ledger logs` and `ledger tail` share. */
export const logFilterFlags = {
  project: Flags.string({ char: 'p', description: 'Slug of the project (with a login, or its stored API key).' }),
  'api-key': Flags.string({ description: 'API key to use (prefer LEDGER_API_KEY: argv is visible to other users).' }),
  level: Flags.string({
    description: `Level(s), comma-separated: ${LEVELS.join(', ')} (or the aliases ingest reads: warn, err, fatal, crit, …).`,
    multiple: true,
  }),
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

function oneOf(
  flag: string,
  values: string[] | undefined,
  allowed: readonly string[],
  alias: (v: string) => string | null = () => null,
): string | undefined {
  if (!values) return undefined
  const list = values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean)
  const out: string[] = []
  for (const v of list) {
    const value = allowed.includes(v) ? v : alias(v)
    if (!value) throw new CliError(`${flag} '${v}' must be one of ${allowed.join(', ')}`, undefined, EXIT.usage)
    if (!out.includes(value)) out.push(value)
  }
  return out.join(',')
}

/** A level's name as ingest reads it (`warn`, `err`, `fatal`, …); numbers are not names here. */
const levelAlias = (v: string): string | null => (/^\d+$/.test(v) ? null : normalizeLevel(v))

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
  if (query?.trim()) {
    // A query the daemon would refuse is a usage error, told before any request.
    try {
      parseSearchQuery(query)
    } catch (err) {
      if (err instanceof SearchSyntaxError) throw new CliError(`the query ${err.message}`, 'See `ledger logs --help` for the syntax.', EXIT.usage)
      throw err
    }
    out.q = query
  }
  const level = oneOf('--level', flags.level, LEVELS, levelAlias)
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
