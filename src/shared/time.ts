/** Formats epoch milliseconds as ISO 8601 UTC, without a `.000` fraction on whole seconds. */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso
}

// ISO 8601 date-time with a time zone (Z or ±hh:mm); fractional seconds optional.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/

/** Parses an ISO 8601 timestamp with a time zone into epoch ms, or null when it is not one. */
export function parseTimestamp(value: string): number | null {
  if (!ISO_8601.test(value)) return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}
