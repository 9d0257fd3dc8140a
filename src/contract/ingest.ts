import { z } from 'zod'
import { parseTimestamp } from '../shared/time.js'
import {
  ATTRIBUTES_MAX_BYTES,
  compileFieldCode,
  IMPORTANCES,
  LEVELS,
  LOG_TYPES,
  TEXT_FIELDS,
  type TextField,
} from './log-fields.js'
import { safeParseReadable } from './validation.js'

export { IMPORTANCES, LEVELS, LOG_LIMITS, LOG_TYPES } from './log-fields.js'
export type Level = (typeof LEVELS)[number]
export type LogType = (typeof LOG_TYPES)[number]

/**
 * On every ingestion answer that stored at least one log (`ingest/single`, `ingest/batch`, OTLP
 * `/v1/logs`): the largest id given to a log the request stored (a replay carries the
 * original's). Compare it with `PROCESSED_UP_TO_HEADER` to know when those logs are searchable.
 */
export const LAST_LOG_ID_HEADER = 'ledger-last-log-id'
/** On `GET /api/v1/queue/depth`: every log with an id up to this one is processed (searchable). */
export const PROCESSED_UP_TO_HEADER = 'ledger-processed-up-to'
/**
 * On `GET /api/v1/queue/depth` too (the body stays seed 000's): the key's project's slug and its
 * queue capacity, so that a client holding only an API key can name them.
 */
export const PROJECT_SLUG_HEADER = 'ledger-project-slug'
export const QUEUE_CAPACITY_HEADER = 'ledger-queue-capacity'

/**
 * U+0000 (NUL) is refused in every text of a log, on every engine: PostgreSQL cannot store it
 * in text at all, and one answer whatever the engine beats a log that one engine keeps and the
 * other refuses. (JSON.stringify writes it in attributes as the escape `\u0000`.)
 */
export const NUL_MESSAGE = 'must not contain U+0000 (NUL)'
/** Whether a JSON text holds an escaped NUL (`\u0000` not itself preceded by an escaping backslash). */
export function jsonHasNul(json: string): boolean {
  return json.includes('\\u0000') && /(?:^|[^\\])(?:\\\\)*\\u0000/.test(json)
}

const optionalText = (max: number) =>
  z
    .string()
    .max(max, { message: `exceeds maximum length of ${max} characters` })
    .refine((v) => !v.includes('\u0000'), { message: NUL_MESSAGE })
    .nullish()
    .transform((v) => v ?? null)

/** The text fields' rules, from the table of log fields. */
const textSchemas = Object.fromEntries(TEXT_FIELDS.map((f) => [f.name, optionalText(f.max)])) as {
  [F in TextField]: ReturnType<typeof optionalText>
}

/** One log as sent to `ingest/single` or inside `ingest/batch`. */
export const LogInputSchema = z.object({
  timestamp: z.string().transform((v, ctx) => {
    const ms = parseTimestamp(v)
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 timestamp with a time zone' })
      return z.NEVER
    }
    return ms
  }),
  level: z.enum(LEVELS),
  log_type: z.enum(LOG_TYPES),
  importance: z.enum(IMPORTANCES),
  ...textSchemas,
  attributes: z
    .record(z.string(), z.unknown(), { message: 'must be an object' })
    .nullish()
    .transform((v, ctx) => {
      if (v == null) return null
      const json = JSON.stringify(v)
      if (jsonHasNul(json)) {
        ctx.addIssue({ code: 'custom', message: `(their keys and values) ${NUL_MESSAGE}` })
        return z.NEVER
      }
      if (Buffer.byteLength(json) > ATTRIBUTES_MAX_BYTES) {
        ctx.addIssue({ code: 'custom', message: 'exceed the maximum size of 100KB serialized' })
        return z.NEVER
      }
      return json
    }),
})
/** A log as a client sends it. */
export type LogInput = z.input<typeof LogInputSchema>
/** A validated log: timestamp in epoch ms, attributes serialised. */
export type ValidLog = z.output<typeof LogInputSchema>

export const BatchRequestSchema = z.object({
  logs: z.array(z.unknown(), { message: 'must be an array of logs' }),
})

export const SingleIngestResponseSchema = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  message: z.string(),
})
export type SingleIngestResponse = z.infer<typeof SingleIngestResponseSchema>

export const BatchIngestResponseSchema = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  errors: z.array(z.string()).nullable(),
})
export type BatchIngestResponse = z.infer<typeof BatchIngestResponseSchema>

export const QueueDepthSchema = z.object({ project_id: z.number().int(), queue_depth: z.number().int() })
export type QueueDepth = z.infer<typeof QueueDepthSchema>

/** A stored log as the API returns it. */
export const LogSchema = z.object({
  id: z.number().int(),
  project_id: z.number().int(),
  timestamp: z.string(),
  received_at: z.string(),
  level: z.enum(LEVELS),
  log_type: z.enum(LOG_TYPES),
  importance: z.enum(IMPORTANCES),
  ...(Object.fromEntries(TEXT_FIELDS.map((f) => [f.name, z.string().nullable()])) as {
    [F in TextField]: z.ZodNullable<z.ZodString>
  }),
  attributes: z.record(z.string(), z.unknown()).nullable(),
})
export type Log = z.infer<typeof LogSchema>

const LEVEL_SET: ReadonlySet<string> = new Set(LEVELS)
const LOG_TYPE_SET: ReadonlySet<string> = new Set(LOG_TYPES)
const IMPORTANCE_SET: ReadonlySet<string> = new Set(IMPORTANCES)
const NO_TEXT = Symbol('invalid')

function text(v: unknown, max: number): string | null | typeof NO_TEXT {
  if (v === undefined || v === null) return null
  return typeof v === 'string' && v.length <= max && !v.includes('\u0000') ? v : NO_TEXT
}

/**
 * The log with its text fields checked (null when one is not a string within its limit), and
 * `attributes` still null. Generated from the field table (see compileFieldCode): every log
 * of a batch gets an object of the same shape, built by one literal.
 */
const withTexts = compileFieldCode<
  (o: Record<string, unknown>, timestamp: number, level: string, log_type: string, importance: string) => ValidLog | null
>(
  ['o', 'timestamp', 'level', 'log_type', 'importance'],
  [
    ...TEXT_FIELDS.map((f) => `const ${f.name} = text(o.${f.name}, ${f.max}); if (${f.name} === NO_TEXT) return null;`),
    `return { timestamp, level, log_type, importance, ${TEXT_FIELDS.map((f) => f.name).join(', ')}, attributes: null };`,
  ].join('\n'),
  { text, NO_TEXT },
)

/**
 * The hot path of ingestion: the same rules as `LogInputSchema`, checked by hand (about ten
 * times faster than zod on a batch). Returns null when the log is invalid; the caller then runs
 * the schema for a readable message. A test holds the two to the same verdicts.
 */
export function parseLogFast(input: unknown): ValidLog | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null
  const o = input as Record<string, unknown>
  const ts = o['timestamp']
  if (typeof ts !== 'string') return null
  const timestamp = parseTimestamp(ts)
  if (timestamp === null) return null
  const level = o['level']
  const logType = o['log_type']
  const importance = o['importance']
  if (typeof level !== 'string' || !LEVEL_SET.has(level)) return null
  if (typeof logType !== 'string' || !LOG_TYPE_SET.has(logType)) return null
  if (typeof importance !== 'string' || !IMPORTANCE_SET.has(importance)) return null
  const out = withTexts(o, timestamp, level, logType, importance)
  if (out === null) return null
  let attributes: string | null = null
  const a = o['attributes']
  if (a !== undefined && a !== null) {
    if (typeof a !== 'object' || Array.isArray(a)) return null
    attributes = JSON.stringify(a)
    if (jsonHasNul(attributes)) return null
    // UTF-8 is at most 3 bytes per UTF-16 unit: only count bytes when it could matter.
    if (
      attributes.length * 3 > ATTRIBUTES_MAX_BYTES &&
      Buffer.byteLength(attributes) > ATTRIBUTES_MAX_BYTES
    ) {
      return null
    }
  }
  out.attributes = attributes
  return out
}

/** A log validated fast, or the schema's readable reason when it is invalid. */
export function validateLog(
  input: unknown,
  root = 'log',
): { ok: true; value: ValidLog } | { ok: false; detail: string } {
  const fast = parseLogFast(input)
  if (fast) return { ok: true, value: fast }
  const r = safeParseReadable(LogInputSchema, input, root)
  // The schema accepting what the fast path refused would be a bug; trust the schema then.
  return r
}
