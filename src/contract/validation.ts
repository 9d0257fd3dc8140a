import type { z } from 'zod'

type Issue = z.core.$ZodIssue

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/**
 * Turns one zod issue into a sentence that names the field and the rule, e.g.
 * `password must contain an uppercase letter` or `level must be one of debug, info, …`.
 */
export function formatIssue(issue: Issue, input?: unknown, root = 'body'): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : root
  // The schemas word their own rules in lower case ("must not be empty"); zod's defaults are
  // capitalised ("Too small: …") and get reworded below.
  if (issue.code !== 'invalid_type' && /^[a-z]/.test(issue.message)) return `${field} ${issue.message}`
  switch (issue.code) {
    case 'invalid_type': {
      const received =
        issue.input === undefined && input !== undefined ? valueAt(input, issue.path) : issue.input
      if (received === undefined) return `${field} is required`
      const expected = issue.expected === 'record' ? 'object' : issue.expected
      return `${field} must be ${article(expected)} ${expected}, not ${describeType(received)}`
    }
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map(String).join(', ')}`
    case 'too_small':
      if (issue.origin === 'string') return `${field} must be at least ${issue.minimum} characters`
      if (issue.origin === 'array') return `${field} must have at least ${issue.minimum} items`
      return `${field} must be >= ${issue.minimum}`
    case 'too_big':
      if (issue.origin === 'string') return `${field} must be at most ${issue.maximum} characters`
      if (issue.origin === 'array') return `${field} must have at most ${issue.maximum} items`
      return `${field} must be <= ${issue.maximum}`
    case 'unrecognized_keys':
      return `${field} has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
    default:
      return `${field} ${issue.message}`
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a'
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<PropertyKey, unknown>)[key]
  }
  return cur
}

/**
 * Parses with a schema; on failure returns the first issue as a readable sentence. `root` names
 * the input itself when the problem is with all of it (`body must be an object`).
 */
export function safeParseReadable<S extends z.ZodType>(
  schema: S,
  input: unknown,
  root = 'body',
): { ok: true; value: z.output<S> } | { ok: false; detail: string } {
  const r = schema.safeParse(input)
  if (r.success) return { ok: true, value: r.data }
  const issue = r.error.issues[0]
  return { ok: false, detail: issue ? formatIssue(issue, input, root) : 'invalid input' }
}
