import type { z } from 'zod'
import { formatIssue } from '../../contract/validation.js'
import { CliError, EXIT } from '../runtime/errors.js'

/**
 * Values from the command line checked with the contract's own schema before any network call:
 * the same rule the daemon applies, reported as a usage error (exit 2) naming the flag.
 * `label` names a single value; for an object, each field is named `--field-name` unless
 * `flagNames` says otherwise (`{ time_range_from: '--from' }`).
 */
export function parseFlag<S extends z.ZodType>(
  label: string,
  schema: S,
  value: unknown,
  flagNames: Record<string, string> = {},
): z.output<S> {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  if (!issue) throw new CliError(`${label} is invalid`, undefined, EXIT.usage)
  const field = issue.path[0]
  const name =
    typeof field === 'string' ? (flagNames[field] ?? `--${field.replace(/_/g, '-')}`) : label
  // The contract's sentence for the rule ("must be >= 1"), never zod's raw "Too small: …".
  const sentence = formatIssue(issue, value, label)
  const subject = issue.path.length > 0 ? issue.path.join('.') : label
  throw new CliError(`${name}${sentence.slice(subject.length)}`, undefined, EXIT.usage)
}
