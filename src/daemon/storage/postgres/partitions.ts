import type pg from 'pg'
import { MIGRATION_LOCK } from './migrations.js'

// `logs` is partitioned by receive time, one partition a UTC day (`logs_d<day number>`), made
// ahead by the daemon: at start, and at every maintenance pass, today and the next days exist.
// `log_search` (the logs' full text, migration 4) has the same days (`log_search_d<day>`), made
// and dropped with them. Retention drops a whole day once every log in it is past its project's
// retention, and trims the oldest days that still hold someone's logs.

export const DAY_MS = 86_400_000
/** Days made ahead of today (a daemon that stays down for this long makes the rest at start). */
export const DAYS_AHEAD = 3

export function partitionName(day: number): string {
  return `logs_d${day}`
}

/** The day's partition of `log_search`. */
export function searchPartitionName(day: number): string {
  return `log_search_d${day}`
}

/** Makes the partitions of days `from`..`to` (UTC day numbers) that do not exist yet. */
export async function ensurePartitions(pool: pg.Pool, from: number, to: number): Promise<void> {
  const existing = new Set((await listPartitions(pool)).map((p) => p.day))
  const missing: number[] = []
  for (let d = from; d <= to; d++) if (!existing.has(d)) missing.push(d)
  if (missing.length === 0) return
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    // Two daemons making the same day at once: the second waits, then finds it there.
    await client.query('SELECT pg_advisory_xact_lock($1, 1)', [MIGRATION_LOCK])
    const now = new Set((await listPartitions(client)).map((p) => p.day))
    for (const d of missing) {
      if (now.has(d)) continue
      const bounds = `FOR VALUES FROM (${d * DAY_MS}) TO (${(d + 1) * DAY_MS})`
      await client.query(`CREATE TABLE ${partitionName(d)} PARTITION OF logs ${bounds}`)
      await client.query(`CREATE TABLE IF NOT EXISTS ${searchPartitionName(d)} PARTITION OF log_search ${bounds}`)
    }
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}

/** The partitions of `logs`, oldest first, with the day each holds. */
export async function listPartitions(db: pg.Pool | pg.PoolClient): Promise<Array<{ name: string; day: number }>> {
  const r = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'logs'::regclass`,
  )
  return r.rows
    .map((row) => ({ name: row.name, day: Number(/^logs_d(\d+)$/.exec(row.name)?.[1] ?? Number.NaN) }))
    .filter((p) => Number.isFinite(p.day))
    .sort((a, b) => a.day - b.day)
}

/**
 * Drops the partitions that end at or before `cutoff` (a project's retention cutoff) and hold
 * no log still within its own project's retention (`now` minus that project's retention_days):
 * whole days gone at the cost of a catalog change, instead of deleting row by row. Returns the
 * number of logs dropped (an estimate from the statistics, or the exact count of a small one).
 */
export async function dropExpiredPartitions(pool: pg.Pool, now: number): Promise<number> {
  const parts = await listPartitions(pool)
  // The longest retention of any project: a partition ending after `now - longest` may still
  // hold a log some project keeps; those are checked one project at a time (an index probe).
  const projects = (
    await pool.query<{ id: number; retention_days: number }>('SELECT id, retention_days FROM projects')
  ).rows
  let dropped = 0
  for (const p of parts) {
    const end = (p.day + 1) * DAY_MS
    // Partitions are oldest first: once one ends after every cutoff, so do the rest.
    const keepers = projects.filter((pr) => end > now - pr.retention_days * DAY_MS)
    if (keepers.length === projects.length && projects.length > 0) break
    // Today and later are never dropped, even with no project at all.
    if (end > Math.floor(now / DAY_MS) * DAY_MS) break
    if (keepers.length > 0) {
      // Someone still keeps a log here: trimmed row by row (RetentionStore.expire), not dropped.
      const exact = await pool.query(
        `SELECT 1 FROM ${p.name} l JOIN projects pr ON pr.id = l.project_id
         WHERE l.project_id = ANY($1::bigint[]) AND l.received_at >= $2 - pr.retention_days::bigint * ${DAY_MS} LIMIT 1`,
        [keepers.map((k) => k.id), now],
      )
      if (exact.rowCount! > 0) continue
    }
    const n = await pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${p.name}`)
    await pool.query(`DROP TABLE IF EXISTS ${p.name}, ${searchPartitionName(p.day)}`)
    dropped += n.rows[0]?.n ?? 0
  }
  return dropped
}
