import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'
import type { BucketCount } from '../types.js'

const MINUTE = 60_000


/**
 * Counts a project's processed logs with `from ≤ timestamp ≤ to` per level, in buckets of
 * `size` ms starting at `origin` (≤ from). Whole minutes inside the range come from the
 * per-minute aggregates; the partial minutes at either end are counted from the logs
 * themselves, so the counts are exact. `size` is a whole number of minutes. (Integer casts:
 * better-sqlite3 binds numbers as REAL, and the bucket must come from integer division.)
 */
export function countByBucket(
  db: Database,
  projectId: number,
  range: { from: number; to: number; origin: number; size: number },
): BucketCount[] {
  const { from, to, origin, size } = range
  const firstMinute = Math.ceil(from / MINUTE)
  // The last minute that ends at or before `to`.
  const lastMinute = Math.floor((to + 1) / MINUTE) - 1
  const exact = prepared<Record<string, number>, BucketCount>(
    db,
    `SELECT (timestamp - CAST(@origin AS INTEGER)) / CAST(@size AS INTEGER) AS bucket, level, count(*) AS n FROM logs
     WHERE project_id = @projectId AND timestamp BETWEEN @a AND @b GROUP BY bucket, level`,
  )
  const out: BucketCount[] = []
  if (firstMinute > lastMinute) {
    out.push(...exact.all({ origin, size, projectId, a: from, b: to }))
    return out
  }
  out.push(
    ...prepared<Record<string, number>, BucketCount>(
      db,
      `SELECT (minute * ${MINUTE} - CAST(@origin AS INTEGER)) / CAST(@size AS INTEGER) AS bucket, level, sum(count) AS n FROM log_minutes
       WHERE project_id = @projectId AND minute BETWEEN @firstMinute AND @lastMinute GROUP BY bucket, level`,
    ).all({ origin, size, projectId, firstMinute, lastMinute }),
  )
  if (from < firstMinute * MINUTE) out.push(...exact.all({ origin, size, projectId, a: from, b: firstMinute * MINUTE - 1 }))
  if ((lastMinute + 1) * MINUTE <= to) out.push(...exact.all({ origin, size, projectId, a: (lastMinute + 1) * MINUTE, b: to }))
  return out
}
