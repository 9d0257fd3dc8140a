/** Columns assumed when stdout is not a terminal (a pipe, a file). */
export const DEFAULT_COLUMNS = 80

/**
 * How many characters a sparkline of `points` gets in `columns` after `reserved` characters of
 * label and figures: one a point when they fit, else the room there is (at least 10), each
 * character then summing a run of points (see sparkline()).
 */
export function sparkWidth(points: number, columns: number | undefined, reserved: number): number {
  const room = Math.max(10, (columns ?? DEFAULT_COLUMNS) - reserved - 1)
  return Math.max(1, Math.min(points, room))
}

/** How many points each character of a sparkline `width` wide sums. */
export function pointsPerChar(points: number, width: number): number {
  return Math.max(1, Math.ceil(points / Math.max(1, width)))
}

/** `1 min`, `5 min`, `2 h`, `1 d`: the span a character covers. */
export function spanText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`
  if (ms % 60_000 === 0) return `${ms / 60_000} min`
  return `${Math.round(ms / 1000)} s`
}
