/**
 * The fields of a log, once: their names, kinds and limits. The daemon's validator (schema and
 * fast path), the API's log object, the columns a batch is decoded into, the storage's rows and
 * the CLI's mapper all derive from this table. Adding a field means editing this file (and the
 * storage's migration).
 */

export const LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const
export const LOG_TYPES = ['console', 'logger', 'exception', 'custom'] as const
export const IMPORTANCES = ['low', 'standard', 'high'] as const

/** The API reference's limits; the short text fields' 255 is Ledger's own (the reference gives none). */
export const SHORT_TEXT = 255

/** The optional text fields, in storage order, with their maximum length in characters. */
export const TEXT_FIELDS = [
  { name: 'message', max: 10_000 },
  { name: 'error_type', max: SHORT_TEXT },
  { name: 'error_message', max: 5_000 },
  { name: 'stack_trace', max: 50_000 },
  { name: 'environment', max: SHORT_TEXT },
  { name: 'release', max: SHORT_TEXT },
  { name: 'sdk_version', max: SHORT_TEXT },
  { name: 'platform', max: SHORT_TEXT },
  { name: 'platform_version', max: SHORT_TEXT },
] as const
export type TextField = (typeof TEXT_FIELDS)[number]['name']

/** The enumerated fields (required), with their values. */
export const ENUM_FIELDS = [
  { name: 'level', values: LEVELS },
  { name: 'log_type', values: LOG_TYPES },
  { name: 'importance', values: IMPORTANCES },
] as const
export type EnumField = (typeof ENUM_FIELDS)[number]['name']

/** `attributes`: an object, at most this many bytes once serialised as JSON. */
export const ATTRIBUTES_MAX_BYTES = 100 * 1024
/** Logs in one batch, at most. */
export const BATCH_MAX = 1000

/**
 * Every field a client sends, in the order a log is stored (after its id, project and receive
 * time): the timestamp, the enums, the texts, the attributes.
 */
export const LOG_FIELDS = [
  'timestamp',
  ...ENUM_FIELDS.map((f) => f.name),
  ...TEXT_FIELDS.map((f) => f.name),
  'attributes',
] as readonly LogField[]
export type LogField = 'timestamp' | EnumField | TextField | 'attributes'

/**
 * Compiles a hot-path function whose body names each field (`c.message.push(v.message)`, …)
 * instead of looping over the names: a property named in the code is one monomorphic access,
 * a name taken from an array is a megamorphic lookup. Decoding a 1000-log batch was 13% slower
 * with the loops (measured). The table stays the one place the fields are listed; the names are
 * plain identifiers (checked here), so the generated code is only ever our own.
 */
export function compileFieldCode<F extends (...args: never[]) => unknown>(
  params: readonly string[],
  body: string,
  bindings: Record<string, unknown> = {},
): F {
  for (const name of [...LOG_FIELDS, ...params, ...Object.keys(bindings)]) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Not an identifier: ${name}`)
  }
  const names = Object.keys(bindings)
  const make = new Function(...names, `return function (${params.join(', ')}) {\n${body}\n}`) as (
    ...values: unknown[]
  ) => F
  return make(...names.map((n) => bindings[n]))
}

/** The maximum length of a text field. */
export function textLimit(name: TextField): number {
  return TEXT_FIELDS.find((f) => f.name === name)!.max
}

/**
 * The limits in one object, by the names the API's documents use, for code and
 * messages that speak of one of them.
 */
export const LOG_LIMITS = {
  message: textLimit('message'),
  error_message: textLimit('error_message'),
  stack_trace: textLimit('stack_trace'),
  short: SHORT_TEXT,
  attributesBytes: ATTRIBUTES_MAX_BYTES,
  batch: BATCH_MAX,
} as const
