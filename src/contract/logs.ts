import { z } from 'zod'
import { parseTimestamp } from '../shared/time.js'
import { LEVELS, type Level, LOG_LIMITS, LOG_TYPES, type LogType, LogSchema } from './ingest.js'
import { parseSearchQuery, type SearchNode, SearchSyntaxError } from './search-query.js'

const timestampQuery = (name: string) =>
  z.string().transform((v, ctx) => {
    const ms = parseTimestamp(v)
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 timestamp with a time zone (${name})` })
      return z.NEVER
    }
    return ms
  })

/** `level=error,critical` or `level=error&level=critical` (the same for `log_type`). */
const oneOrMany = <T extends string>(allowed: readonly T[]) =>
  z.union([z.string(), z.array(z.string())]).transform((v, ctx) => {
    const values = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase())
    for (const l of values) {
      if (!(allowed as readonly string[]).includes(l)) {
        ctx.addIssue({ code: 'custom', message: `must be one or more of ${allowed.join(', ')} (got '${l}')` })
        return z.NEVER
      }
    }
    return [...new Set(values)] as T[]
  })

const positiveId = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, { message: 'must be a positive integer' })
  .transform(Number)

const exactText = z.string().max(LOG_LIMITS.short, { message: `must be at most ${LOG_LIMITS.short} characters` })

/** A parsed `q`: the text as sent and its tree. An empty or blank `q` is no full-text filter. */
export interface SearchFilter {
  text: string
  tree: SearchNode
}

const searchQuery = z.string().transform((v, ctx): SearchFilter | undefined => {
  if (v.trim() === '') return undefined
  try {
    return { text: v, tree: parseSearchQuery(v) }
  } catch (err) {
    if (!(err instanceof SearchSyntaxError)) throw err
    ctx.addIssue({ code: 'custom', message: err.message })
    return z.NEVER
  }
})

/** `attr.KEY=VALUE`: the log's `attributes` has KEY (a top-level key, or a dotted path) equal to VALUE. */
export interface AttrFilter {
  key: string
  value: string
}

export const ATTR_LIMITS = { filters: 20, value: 1000 } as const

const filterShape = {
  project_id: positiveId.optional(),
  q: searchQuery.optional(),
  level: oneOrMany(LEVELS).optional(),
  log_type: oneOrMany(LOG_TYPES).optional(),
  environment: exactText.optional(),
  release: exactText.optional(),
  from: timestampQuery('from').optional(),
  to: timestampQuery('to').optional(),
}

/**
 * A query-string schema of `shape` plus the `attr.KEY=VALUE` parameters, gathered into `attr`
 * (in the order sent). Other unknown parameters are ignored, as before.
 */
function withAttrFilters<S extends z.ZodRawShape>(shape: S) {
  return z
    .object(shape)
    .catchall(z.unknown())
    .transform((v, ctx) => {
      const out: Record<string, unknown> = {}
      const attr: AttrFilter[] = []
      for (const [k, raw] of Object.entries(v)) {
        if (k in shape) {
          out[k] = raw
          continue
        }
        if (k !== 'attr' && !k.startsWith('attr.') && !k.startsWith('attr[')) continue
        const key = k.startsWith('attr.') ? k.slice(5) : ''
        const problem = !k.startsWith('attr.')
          ? `filters on attributes are written attr.KEY=VALUE, as in attr.user_id=42 (got '${k}')`
          : attrKeyProblem(key)
        if (problem) {
          ctx.addIssue({ code: 'custom', path: [k], message: problem })
          return z.NEVER
        }
        for (const value of Array.isArray(raw) ? raw : [raw]) {
          if (typeof value !== 'string' || value.length > ATTR_LIMITS.value) {
            ctx.addIssue({ code: 'custom', path: [k], message: `must be at most ${ATTR_LIMITS.value} characters` })
            return z.NEVER
          }
          attr.push({ key, value })
        }
      }
      if (attr.length > ATTR_LIMITS.filters) {
        ctx.addIssue({ code: 'custom', path: ['attr'], message: `filters: at most ${ATTR_LIMITS.filters} are allowed` })
        return z.NEVER
      }
      return { ...(out as z.output<z.ZodObject<S>>), attr }
    })
}

function attrKeyProblem(key: string): string | null {
  if (key.length === 0) return 'needs a key after the dot: write attr.KEY=VALUE'
  if (key.length > LOG_LIMITS.short) return `key must be at most ${LOG_LIMITS.short} characters`
  if (/["\\\u0000-\u001f]/.test(key)) return 'key must not contain double quotes, backslashes or control characters'
  return null
}

/** `limit` and `cursor` of a paged read of logs (GET /logs, a logs panel's data). */
export const pageQueryShape = {
  limit: z
    .string()
    .regex(/^[0-9]+$/, { message: 'must be an integer from 1 to 1000' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, { message: 'must be an integer from 1 to 1000' })
    .optional(),
  cursor: z.string().max(200).optional(),
}

/** `GET /api/v1/logs`: the filters, then `limit` and `cursor`. */
export const LogQuerySchema = withAttrFilters({ ...filterShape, ...pageQueryShape })
/** The parsed filters of a log read, as services take them. */
export type LogQuery = z.output<typeof LogQuerySchema>
export type LogFilter = Omit<LogQuery, 'limit' | 'cursor'>

/** `GET /api/v1/logs/tail`: the same filters, where to resume, and how much history first. */
export const TailQuerySchema = withAttrFilters({
  ...filterShape,
  last_event_id: z
    .string()
    .regex(/^[0-9]{1,16}$/, { message: 'must be a log id (a non-negative integer)' })
    .transform(Number)
    .optional(),
  backlog: z
    .string()
    .regex(/^[0-9]+$/, { message: 'must be an integer from 0 to 1000' })
    .transform(Number)
    .refine((n) => n <= 1000, { message: 'must be an integer from 0 to 1000' })
    .optional(),
})
export type TailQuery = z.output<typeof TailQuerySchema>

export const LogPageSchema = z.object({ logs: z.array(LogSchema), next_cursor: z.string().nullable() })
export type LogPage = z.infer<typeof LogPageSchema>

/** One event of the live tail: the log's id (the SSE `id:` field) and the log (`data:`). */
export const TailEventSchema = z.object({ id: z.number().int(), log: LogSchema })
export type TailEvent = z.infer<typeof TailEventSchema>

/**
 * Why the daemon ended a live tail: the last event of the stream (`event: end`, its `data:` this
 * object). Every reason but `shutdown` means the credential that opened the tail no longer
 * holds: reconnecting with it is refused.
 */
export const TAIL_END_REASONS = [
  'key_revoked',
  'key_disabled',
  'key_expired',
  'key_scope_removed',
  'token_expired',
  'logged_out',
  'session_revoked',
  'refresh_token_reused',
  'shutdown',
] as const
export type TailEndReason = (typeof TAIL_END_REASONS)[number]
export const TailEndSchema = z.object({ reason: z.enum(TAIL_END_REASONS), detail: z.string() })
export type TailEnd = z.infer<typeof TailEndSchema>

/** The filters of a log read or a tail as a caller writes them (the client's parameters). */
export interface LogFilterParams {
  /** Needed with an access token; with an API key, the key's project (or omitted). */
  project_id?: number | string
  /** Full text: words, `prefix*`, `"a phrase"`, AND / OR / NOT, parentheses. */
  q?: string
  /** One level, several (array), or a comma-separated list. */
  level?: Level | readonly Level[] | string
  log_type?: LogType | readonly LogType[] | string
  environment?: string
  release?: string
  /** `attributes` filters, ANDed: `{ user_id: 42 }` is sent as `attr.user_id=42`. */
  attr?: Readonly<Record<string, string | number | boolean>>
  /** ISO 8601 bounds on the log's timestamp, inclusive. */
  from?: string
  to?: string
}
export interface LogSearchParams extends LogFilterParams {
  /** 1–1000, default 100. */
  limit?: number | string
  /** `next_cursor` of the previous page, unchanged. */
  cursor?: string
}
export interface TailParams extends LogFilterParams {
  /** Send the last N (0–1000) matching logs first, then follow. Ignored when resuming. */
  backlog?: number
}

/** Query-string parameters of a log read or tail, as the daemon parses them. */
export function logQueryParameters(p: LogSearchParams & TailParams): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || v === null) continue
    if (k === 'attr') {
      for (const [ak, av] of Object.entries(v as Record<string, unknown>)) out[`attr.${ak}`] = String(av)
    } else {
      out[k] = Array.isArray(v) ? v.join(',') : String(v)
    }
  }
  return out
}
