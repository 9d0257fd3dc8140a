import type pg from 'pg'
import { LOG_FIELDS, TEXT_FIELDS } from '../../../contract/log-fields.js'
import type { SearchNode } from '../../../contract/search-query.js'
import { logJson } from '../log-json.js'
import {
  type BucketCount,
  type LogFilterSpec,
  type LogFrame,
  type LogPageSpec,
  type LogReadStore,
  type LogRecord,
  type LogWrite,
  type ReceivedCount,
  StorageUnavailableError,
} from '../types.js'
import { BinaryArray, INT8, TEXT } from './binary.js'
import { toTsQuery } from './fulltext.js'

// Logs on PostgreSQL: the group commit (one INSERT … SELECT FROM unnest(…) for every log of
// every request in it) and the reads. The log's columns come from the log-fields table.

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient

/** Every column of a log as the seam gives it, in table order. */
const COLUMNS = ['id', 'project_id', 'received_at', ...LOG_FIELDS].join(', ')
const cols = (alias: string) => COLUMNS.split(', ').map((c) => `${alias}.${c}`).join(', ')

const TEXT_NAMES: ReadonlySet<string> = new Set(TEXT_FIELDS.map((f) => f.name))
const SQL_TYPE = (f: string) => (f === 'timestamp' ? 'bigint' : 'text')

/** The SQLSTATE `ledger_raise` fails a commit with when an Idempotency-Key was stored first (migration 3). */
export const IDEMPOTENCY_RACE = 'LG001'

/**
 * The one statement that is a whole group commit (run outside BEGIN: its own transaction,
 * committed when it ends, so the commit costs one round trip). It takes the logs' ids (the
 * `log_ids` row, whose lock the transaction holds until it commits: ids in commit order) and
 * inserts every log, the column arrays turned into rows by unnest; adds the per-minute counts
 * and the quota; stores the idempotency records (failing the whole commit when a live record of
 * a key is there: a concurrent request stored it first); answers the last id given. The arrays
 * are parsed at bind time, before the row lock is taken: only the rows' own work is done under
 * it. The log columns are sent in binary (`binary.ts`). The full text is not made here: the
 * indexer (indexer.ts) adds it after the commit, outside the lock that makes commits serial.
 */
const COMMIT_LOGS = (() => {
  const names = ['project_id', 'received_at', ...LOG_FIELDS]
  const types = ['bigint', 'bigint', ...LOG_FIELDS.map(SQL_TYPE)]
  const unnest = types.map((t, i) => `$${i + 2}::${t}[]`).join(', ')
  let n = types.length + 1
  const $ = () => `$${++n}`
  return `WITH ids AS (UPDATE log_ids SET last = last + $1 WHERE id = 1 RETURNING last),
    stored AS (
      INSERT INTO logs (id, project_id, received_at, ${LOG_FIELDS.join(', ')})
      SELECT (SELECT last FROM ids) - $1 + u.n, ${names.join(', ')}
      FROM unnest(${unnest}) WITH ORDINALITY AS u(${names.join(', ')}, n)),
    minutes AS (
      INSERT INTO log_minutes (project_id, minute, level, count)
      SELECT * FROM unnest(${$()}::bigint[], ${$()}::bigint[], ${$()}::text[], ${$()}::bigint[])
      ON CONFLICT (project_id, minute, level) DO UPDATE SET count = log_minutes.count + excluded.count),
    quota AS (
      INSERT INTO quota_usage (project_id, day, count)
      SELECT * FROM unnest(${$()}::bigint[], ${$()}::bigint[], ${$()}::bigint[])
      ON CONFLICT (project_id, day) DO UPDATE SET count = quota_usage.count + excluded.count),
    idem AS (
      -- The primary key decides: an expired record of the same key is replaced (as SQLite's
      -- INSERT OR REPLACE does); a live one was committed by a concurrent request (another
      -- daemon: this daemon's own retries wait for the first), so nothing of this commit may be
      -- kept. (A concurrent insert of the key waits here for the other transaction's outcome.)
      INSERT INTO idempotency_keys AS k (project_id, idem_key, body_hash, response, created_at, last_log_id)
      SELECT p, key, hash, resp, created, (SELECT last FROM ids) - $1 + upto
      FROM unnest(${$()}::bigint[], ${$()}::text[], ${$()}::text[], ${$()}::text[], ${$()}::bigint[], ${$()}::bigint[])
        AS u(p, key, hash, resp, created, upto)
      ON CONFLICT (project_id, idem_key) DO UPDATE SET body_hash = excluded.body_hash,
        response = excluded.response, created_at = excluded.created_at, last_log_id = excluded.last_log_id
      WHERE k.created_at < ${$()}::bigint
      RETURNING 1)
    SELECT last,
      CASE WHEN (SELECT count(*) FROM idem) < ${$()}::bigint
        THEN ledger_raise('${IDEMPOTENCY_RACE}', 'a concurrent request with the same Idempotency-Key was stored first') END AS raced
    FROM ids`
})()

/** Bytes per log of each column array of the last commit (+10%): the next one's first guess. */
const bytesPerLog: number[] = []

/**
 * Stores every write of a group commit, in one statement that is its own transaction
 * (COMMIT_LOGS): the logs (under ids it takes), the per-minute counts, the quota and the
 * idempotency records. Sets each write's `lastLogId`; returns the last id given. A live
 * idempotency record of one of the keys fails it with a StorageUnavailableError.
 */
export async function storeWrites(client: pg.PoolClient, writes: readonly LogWrite[]): Promise<number> {
  const total = writes.reduce((n, w) => n + w.count, 0)
  const array = (k: number, oid: number) => new BinaryArray(oid, 32 + total * (bytesPerLog[k] ?? 32))
  const projectIds = array(0, INT8)
  const receivedAts = array(1, INT8)
  const fields = LOG_FIELDS.map((f, k) => array(2 + k, f === 'timestamp' ? INT8 : TEXT))
  // Per (project, minute, level); runs of the same key (the common case) cost one comparison.
  const minutes = new Map<string, { project: number; minute: number; level: string; n: number }>()
  let run: { project: number; minute: number; level: string; n: number } | undefined
  for (const w of writes) {
    const c = w.logs as unknown as Record<string, Array<string | number | null>>
    const sources = LOG_FIELDS.map((f) => c[f]!)
    const { level, timestamp } = w.logs
    for (let i = 0; i < w.count; i++) {
      projectIds.int8(w.projectId)
      receivedAts.int8(w.receivedAt)
      for (let k = 0; k < sources.length; k++) {
        const v = sources[k]![i]
        if (typeof v === 'number') fields[k]!.int8(v)
        else fields[k]!.text(v)
      }
      const minute = Math.floor(timestamp[i]! / 60_000)
      const lvl = level[i]!
      if (run === undefined || run.project !== w.projectId || run.minute !== minute || run.level !== lvl) {
        const key = `${w.projectId} ${minute} ${lvl}`
        run = minutes.get(key)
        if (run === undefined) {
          run = { project: w.projectId, minute, level: lvl, n: 0 }
          minutes.set(key, run)
        }
      }
      run.n++
    }
  }
  const quota = new Map<string, { project: number; day: number; n: number }>()
  const idem = new Map<string, { project: number; key: string; bodyHash: string; response: string; createdAt: number; upTo: number }>()
  let replaceBefore: number | null = null
  let upTo = 0
  for (const w of writes) {
    upTo += w.count
    const qk = `${w.projectId} ${w.day}`
    const q = quota.get(qk)
    if (q) q.n += w.count
    else quota.set(qk, { project: w.projectId, day: w.day, n: w.count })
    if (w.idempotency) {
      idem.set(`${w.projectId}\u0000${w.idempotency.key}`, {
        project: w.projectId,
        key: w.idempotency.key,
        bodyHash: w.idempotency.bodyHash,
        response: w.idempotency.response,
        createdAt: w.idempotency.createdAt,
        upTo,
      })
      replaceBefore = Math.min(replaceBefore ?? Infinity, w.idempotency.replaceBefore)
    }
  }
  const arrays = [projectIds, receivedAts, ...fields].map((a, k) => {
    const b = a.done()
    bytesPerLog[k] = Math.ceil((b.length / total) * 1.1)
    return b
  })
  const params: unknown[] = [total, ...arrays]
  const ms = [...minutes.values()]
  params.push(ms.map((m) => m.project), ms.map((m) => m.minute), ms.map((m) => m.level), ms.map((m) => m.n))
  const qs = [...quota.values()]
  params.push(qs.map((q) => q.project), qs.map((q) => q.day), qs.map((q) => q.n))
  const is = [...idem.values()]
  params.push(
    is.map((r) => r.project),
    is.map((r) => r.key),
    is.map((r) => r.bodyHash),
    is.map((r) => r.response),
    is.map((r) => r.createdAt),
    is.map((r) => r.upTo),
    replaceBefore,
  )
  params.push(is.length)
  let last: number
  try {
    const { rows } = await client.query<{ last: number }>(COMMIT_LOGS, params)
    last = Number(rows[0]!.last)
  } catch (err) {
    if ((err as { code?: string }).code === IDEMPOTENCY_RACE) {
      throw new StorageUnavailableError('a concurrent request with the same Idempotency-Key was stored first', 1)
    }
    throw err
  }
  let next = last - total
  for (const w of writes) {
    next += w.count
    w.lastLogId = next
  }
  return last
}

/** A filter's conditions on alias `l` (full text included), binding into `params`. */
function conditions(f: LogFilterSpec & { before?: LogPageSpec['before'] }, params: unknown[]): string[] {
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  const where = [`l.project_id = ${p(f.projectId)}`]
  if (f.levels && f.levels.length > 0) where.push(`l.level = ANY(${p([...f.levels])}::text[])`)
  if (f.logTypes && f.logTypes.length > 0) where.push(`l.log_type = ANY(${p([...f.logTypes])}::text[])`)
  if (f.environment !== undefined) where.push(`l.environment = ${p(f.environment)}`)
  if (f.release !== undefined) where.push(`l.release = ${p(f.release)}`)
  f.attr?.forEach((a) => {
    // The top-level key as given, or else the dotted path: its value as text (strings
    // unquoted), or as JSON (`42`, `true`, `null`), equal to the text sent, as on SQLite.
    const value = p(a.value)
    const tests = [`(l.attributes::jsonb -> ${p(a.key)}) IN (to_jsonb(${value}::text), ledger_jsonb_or_null(${value}::text))`]
    const segments = a.key.split('.')
    if (segments.length > 1 && segments.every((s) => s.length > 0)) {
      tests.push(`(l.attributes::jsonb #> ${p(segments)}::text[]) IN (to_jsonb(${value}::text), ledger_jsonb_or_null(${value}::text))`)
    }
    const prefilter = /^[^"\\\u0000-\u001f]+$/.test(a.value) ? `strpos(l.attributes, ${value}) > 0 AND ` : ''
    where.push(`(l.attributes IS NOT NULL AND ${prefilter}(${tests.join(' OR ')}))`)
  })
  if (f.from !== undefined) where.push(`l.timestamp >= ${p(f.from)}`)
  if (f.to !== undefined) where.push(`l.timestamp <= ${p(f.to)}`)
  if (f.before) where.push(`(l.timestamp, l.id) < (${p(f.before.timestamp)}, ${p(f.before.id)})`)
  // The log's full text, in log_search (the indexer's): a log not indexed yet matches no search.
  // Probed by id within the log's own day (the same receive time: one partition is looked at,
  // not every day's; measured 730 ms against 890 ms for a page that probes 20,000 logs).
  if (f.search) {
    where.push(
      `EXISTS (SELECT 1 FROM log_search s WHERE s.id = l.id AND s.received_at = l.received_at AND s.search @@ ${toTsQuery(f.search, params)})`,
    )
  }
  return where
}

function toRecord(r: Record<string, unknown>): LogRecord {
  return r as unknown as LogRecord
}

export function logReadStore(db: Queryable): LogReadStore {
  const read = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rows.map(toRecord)

  /** Logs matching `f` with `after < id <= upTo`, the first `limit` in id order `dir` (-1: all). */
  const inIdRange = (f: LogFilterSpec, range: { after?: number; upTo: number }, dir: 'ASC' | 'DESC', limit: number, what = cols('l')) => {
    const params: unknown[] = []
    const where = conditions(f, params)
    params.push(range.upTo)
    where.push(`l.id <= $${params.length}`)
    if (range.after !== undefined) {
      params.push(range.after)
      where.push(`l.id > $${params.length}`)
    }
    let sql = `SELECT ${what} FROM logs l WHERE ${where.join(' AND ')} ORDER BY l.id ${dir}`
    if (limit >= 0) {
      params.push(limit)
      sql += ` LIMIT $${params.length}`
    }
    return read(sql, params)
  }

  const frames = (rows: LogRecord[]): LogFrame[] => rows.map((r) => ({ id: r.id, data: logJson(r) }))

  return {
    async page(q) {
      const params: unknown[] = []
      const where = conditions(q, params)
      params.push(q.limit)
      const limit = `$${params.length}`
      let byTime = 'l.timestamp'
      if (q.search && hasPhrase(q.search)) {
        // A phrase of common words: the GIN index only knows which logs hold the words, and
        // checking their positions in every such log (a third of them, say) takes seconds. The
        // newest logs first instead, on the time index, at most PHRASE_WINDOW of them: a page
        // filled from them is the right page (they are the newest); otherwise the GIN way.
        // `conditions` puts the full-text condition last: the others pick the window.
        const base = params.length
        const window = where.slice(0, -1)
        params.push(PHRASE_WINDOW)
        const newest = await read(
          `SELECT ${cols('l')} FROM (SELECT ${cols('l')} FROM logs l WHERE ${window.join(' AND ')}
             ORDER BY l.timestamp DESC, l.id DESC LIMIT $${params.length}) l
           WHERE ${where.at(-1)} ORDER BY l.timestamp DESC, l.id DESC LIMIT ${limit}`,
          params,
        )
        if (newest.length >= q.limit) return newest
        params.length = base
        // Not a page among the newest: the phrase is rare. The planner, which guesses that a
        // phrase of common words matches often, would walk the time index newest first and check
        // every log on the way: all of them when none matches (400 ms at 1 M logs, growing with
        // the project). `timestamp + 0` cannot be ordered by that index, so the GIN index finds
        // the few logs with the phrase's words first, and they are sorted (23 ms there).
        byTime = 'l.timestamp + 0'
      }
      return read(
        `SELECT ${cols('l')} FROM logs l WHERE ${where.join(' AND ')} ORDER BY ${byTime} DESC, l.id DESC LIMIT ${limit}`,
        params,
      )
    },
    async after(f, after, upTo, limit) {
      if (upTo <= after) return { rows: [], scannedTo: after }
      const rows = await inIdRange(f, { after, upTo }, 'ASC', limit)
      return { rows, scannedTo: rows.length === limit ? rows.at(-1)!.id : upTo }
    },
    async last(f, upTo, n) {
      if (n <= 0) return []
      return (await inIdRange(f, { upTo }, 'DESC', n)).reverse()
    },
    async idsInRange(f, after, upTo) {
      if (upTo <= after) return []
      return (await inIdRange(f, { after, upTo }, 'ASC', -1, 'l.id')).map((r) => r.id)
    },
    async framesInRange(projectId, after, upTo) {
      if (upTo <= after) return []
      return frames(
        await read(`SELECT ${cols('l')} FROM logs l WHERE l.id > $1 AND l.id <= $2 AND l.project_id = $3 ORDER BY l.id`, [
          after,
          upTo,
          projectId,
        ]),
      )
    },
    async framesByIds(ids) {
      if (ids.length === 0) return []
      return frames(await read(`SELECT ${cols('l')} FROM logs l WHERE l.id = ANY($1::bigint[]) ORDER BY l.id`, [[...ids]]))
    },
    async checkSearchable(search: SearchNode) {
      const params: unknown[] = []
      await db.query(`SELECT ${toTsQuery(search, params)} AS q`, params)
    },
    async latestErrors(projectIds, limit) {
      if (projectIds.length === 0 || limit <= 0) return []
      // By arrival (id), newest first: one walk of the partial index per project, merged.
      return read(
        `SELECT c.* FROM unnest($1::bigint[]) AS p(id),
           LATERAL (SELECT ${cols('l')} FROM logs l WHERE l.project_id = p.id AND l.level IN ('error', 'critical')
                    ORDER BY l.id DESC LIMIT $2) c
         ORDER BY c.id DESC LIMIT $2`,
        [[...projectIds], limit],
      )
    },
    countByBucket: (projectId, r) => countByBucket(db, projectId, r),
    async receivedSince(since, atMost) {
      // Among the newest `atMost` ids only (as on SQLite): a start after a heavy load stays quick.
      const r = await db.query<ReceivedCount>(
        `SELECT project_id, received_at / 1000 AS second, count(*) AS n,
           count(*) FILTER (WHERE level IN ('error', 'critical')) AS errors
         FROM logs WHERE received_at >= $1 AND id > (SELECT coalesce(max(id), 0) FROM logs) - $2
         GROUP BY project_id, received_at / 1000`,
        [since, atMost],
      )
      return r.rows
    },
    async countsAfter(after) {
      const r = await db.query<{ project_id: number; n: number; last: number }>(
        'SELECT project_id, count(*) AS n, max(id) AS last FROM logs WHERE id > $1 GROUP BY project_id',
        [after],
      )
      return {
        counts: new Map(r.rows.map((x) => [x.project_id, x.n])),
        upTo: r.rows.reduce((m, x) => Math.max(m, x.last), after),
      }
    },
  }
}

const MINUTE = 60_000

/** How many of the newest logs a phrase search looks through before it uses the GIN index. */
const PHRASE_WINDOW = 20_000

/** Whether a query has a term of several words (a phrase: PostgreSQL checks its positions row by row). */
function hasPhrase(node: SearchNode): boolean {
  switch (node.kind) {
    case 'term':
      return /[\p{L}\p{N}][^\p{L}\p{N}]+[\p{L}\p{N}]/u.test(node.text)
    case 'or':
      return node.any.some(hasPhrase)
    case 'and':
      return node.all.some(hasPhrase) || node.not.some(hasPhrase)
  }
}

/** As SQLite's: whole minutes from the per-minute counts, the partial ends from the logs. */
async function countByBucket(
  db: Queryable,
  projectId: number,
  range: { from: number; to: number; origin: number; size: number },
): Promise<BucketCount[]> {
  const { from, to, origin, size } = range
  const firstMinute = Math.ceil(from / MINUTE)
  const lastMinute = Math.floor((to + 1) / MINUTE) - 1
  const exact = async (a: number, b: number) =>
    (
      await db.query<BucketCount>(
        `SELECT (timestamp - $1::bigint) / $2::bigint AS bucket, level, count(*) AS n FROM logs
         WHERE project_id = $3 AND timestamp BETWEEN $4 AND $5 GROUP BY 1, level`,
        [origin, size, projectId, a, b],
      )
    ).rows
  if (firstMinute > lastMinute) return exact(from, to)
  const out: BucketCount[] = (
    await db.query<BucketCount>(
      `SELECT (minute * ${MINUTE} - $1::bigint) / $2::bigint AS bucket, level, sum(count) AS n FROM log_minutes
       WHERE project_id = $3 AND minute BETWEEN $4 AND $5 GROUP BY 1, level`,
      [origin, size, projectId, firstMinute, lastMinute],
    )
  ).rows
  if (from < firstMinute * MINUTE) out.push(...(await exact(from, firstMinute * MINUTE - 1)))
  if ((lastMinute + 1) * MINUTE <= to) out.push(...(await exact((lastMinute + 1) * MINUTE, to)))
  return out
}

/** Whether a text field name is one of the log's optional texts (for NUL checks). */
export function isTextField(name: string): boolean {
  return TEXT_NAMES.has(name)
}
