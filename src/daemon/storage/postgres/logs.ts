import type pg from 'pg'
import { LOG_FIELDS, TEXT_FIELDS } from '../../../contract/log-fields.js'
import type { SearchNode } from '../../../contract/search-query.js'
import { attributeText } from '../attribute-text.js'
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
import { asciiSearchVector, toTsQuery } from './fulltext.js'

// Logs on PostgreSQL: the group commit (one INSERT … SELECT FROM unnest(…) for every log of
// every request in it) and the reads. The log's columns come from the log-fields table.

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient

/** Every column of a log as the seam gives it, in table order. */
const COLUMNS = ['id', 'project_id', 'received_at', ...LOG_FIELDS].join(', ')
const cols = (alias: string) => COLUMNS.split(', ').map((c) => `${alias}.${c}`).join(', ')

const TEXT_NAMES: ReadonlySet<string> = new Set(TEXT_FIELDS.map((f) => f.name))
const SQL_TYPE = (f: string) => (f === 'timestamp' ? 'bigint' : 'text')

/**
 * The one statement that stores a commit's logs: takes their ids (the `log_ids` row, whose lock
 * the transaction then holds until it commits: ids in commit order) and inserts every log, the
 * column arrays turned into rows by unnest; answers the last id given. Taking the ids in the
 * statement keeps the lock for as short as can be (the arrays are made before).
 */
const INSERT_LOGS = (() => {
  const names = ['project_id', 'received_at', ...LOG_FIELDS, 'attribute_text', 'vector']
  const types = ['bigint', 'bigint', ...LOG_FIELDS.map(SQL_TYPE), 'text', 'text']
  const unnest = types.map((t, i) => `$${i + 2}::${t}[]`).join(', ')
  // The vector made by the daemon for ASCII logs (asciiSearchVector), else by the SQL function.
  return `WITH ids AS (UPDATE log_ids SET last = last + $1 WHERE id = 1 RETURNING last),
    stored AS (
      INSERT INTO logs (id, project_id, received_at, ${LOG_FIELDS.join(', ')}, search)
      SELECT (SELECT last FROM ids) - $1 + u.n, project_id, received_at, ${LOG_FIELDS.join(', ')},
        coalesce(vector::tsvector, ledger_search_vector(message, error_type, error_message, stack_trace, attribute_text))
      FROM unnest(${unnest}) WITH ORDINALITY AS u(${names.join(', ')}, n))
    SELECT last FROM ids`
})()

/** A PostgreSQL array literal of texts (pg's own conversion costs ~3 times as much). */
function textArray(values: ReadonlyArray<string | null | undefined>): string {
  let out = '{'
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (i > 0) out += ','
    if (v === null || v === undefined) out += 'NULL'
    else out += `"${v.includes('"') || v.includes('\\') ? v.replace(/[\\"]/g, '\\$&') : v}"`
  }
  return `${out}}`
}

/** A PostgreSQL array literal of integers. */
function intArray(values: readonly number[]): string {
  return `{${values.join(',')}}`
}

/**
 * Stores every write of a group commit inside the caller's transaction: the logs in one
 * statement (which takes their ids: INSERT_LOGS), then the per-minute counts, the quota and
 * the idempotency records (one statement each). Sets each write's `lastLogId`; returns the last
 * id given.
 */
export async function storeWrites(client: pg.PoolClient, writes: readonly LogWrite[]): Promise<number> {
  const total = writes.reduce((n, w) => n + w.count, 0)
  const projectIds: number[] = []
  const receivedAts: number[] = []
  const fields: unknown[][] = LOG_FIELDS.map(() => [])
  const attrTexts: Array<string | null> = []
  const vectors: Array<string | null> = []
  // Per (project, minute, level); runs of the same key (the common case) cost one comparison.
  const minutes = new Map<string, { project: number; minute: number; level: string; n: number }>()
  let run: { project: number; minute: number; level: string; n: number } | undefined
  for (const w of writes) {
    const c = w.logs as unknown as Record<string, unknown[]>
    const sources = LOG_FIELDS.map((f) => c[f]!)
    const { message, error_type: errorType, error_message: errorMessage, stack_trace: stack, attributes, level, timestamp } = w.logs
    for (let i = 0; i < w.count; i++) {
      projectIds.push(w.projectId)
      receivedAts.push(w.receivedAt)
      for (let k = 0; k < sources.length; k++) fields[k]!.push(sources[k]![i] ?? null)
      const attrText = attributeText(attributes[i] ?? null)
      attrTexts.push(attrText)
      vectors.push(asciiSearchVector([message[i] ?? null, errorType[i] ?? null, errorMessage[i] ?? null, stack[i] ?? null, attrText]))
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
  const params: unknown[] = [total, intArray(projectIds), intArray(receivedAts)]
  LOG_FIELDS.forEach((f, k) => params.push(f === 'timestamp' ? intArray(fields[k] as number[]) : textArray(fields[k] as string[])))
  params.push(textArray(attrTexts), textArray(vectors))
  const { rows } = await client.query<{ last: number }>(INSERT_LOGS, params)
  const last = Number(rows[0]!.last)
  let next = last - total
  const quota = new Map<string, { project: number; day: number; n: number }>()
  const idem = new Map<
    string,
    { project: number; key: string; bodyHash: string; response: string; createdAt: number; replaceBefore: number; last: number }
  >()
  for (const w of writes) {
    next += w.count
    w.lastLogId = next
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
        replaceBefore: w.idempotency.replaceBefore,
        last: w.lastLogId,
      })
    }
  }
  const ms = [...minutes.values()]
  if (ms.length > 0) {
    await client.query(
      `INSERT INTO log_minutes (project_id, minute, level, count)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[])
       ON CONFLICT (project_id, minute, level) DO UPDATE SET count = log_minutes.count + excluded.count`,
      [ms.map((m) => m.project), ms.map((m) => m.minute), ms.map((m) => m.level), ms.map((m) => m.n)],
    )
  }
  const qs = [...quota.values()]
  await client.query(
    `INSERT INTO quota_usage (project_id, day, count)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
     ON CONFLICT (project_id, day) DO UPDATE SET count = quota_usage.count + excluded.count`,
    [qs.map((q) => q.project), qs.map((q) => q.day), qs.map((q) => q.n)],
  )
  const is = [...idem.values()]
  if (is.length > 0) {
    // The primary key decides: an expired record of the same key is replaced (as SQLite's INSERT
    // OR REPLACE does); a live one was committed by a concurrent request (another daemon: this
    // daemon's own retries wait for the first), so nothing of this commit may be kept. (A
    // concurrent insert of the key waits here for the other transaction's outcome.)
    const r = await client.query(
      `INSERT INTO idempotency_keys AS k (project_id, idem_key, body_hash, response, created_at, last_log_id)
       SELECT p, key, hash, resp, created, last
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[])
         AS u(p, key, hash, resp, created, last, replace_before)
       ON CONFLICT (project_id, idem_key) DO UPDATE SET body_hash = excluded.body_hash,
         response = excluded.response, created_at = excluded.created_at, last_log_id = excluded.last_log_id
       WHERE k.created_at < (SELECT min(x) FROM unnest($7::bigint[]) AS x)`,
      [
        is.map((r) => r.project),
        is.map((r) => r.key),
        is.map((r) => r.bodyHash),
        is.map((r) => r.response),
        is.map((r) => r.createdAt),
        is.map((r) => r.last),
        is.map((r) => r.replaceBefore),
      ],
    )
    if ((r.rowCount ?? 0) < is.length) {
      throw new StorageUnavailableError('a concurrent request with the same Idempotency-Key was stored first', 1)
    }
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
  if (f.search) where.push(`l.search @@ ${toTsQuery(f.search, params)}`)
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
          `SELECT ${cols('l')} FROM (SELECT ${cols('l')}, l.search FROM logs l WHERE ${window.join(' AND ')}
             ORDER BY l.timestamp DESC, l.id DESC LIMIT $${params.length}) l
           WHERE ${where.at(-1)} ORDER BY l.timestamp DESC, l.id DESC LIMIT ${limit}`,
          params,
        )
        if (newest.length >= q.limit) return newest
        params.length = base
      }
      return read(
        `SELECT ${cols('l')} FROM logs l WHERE ${where.join(' AND ')} ORDER BY l.timestamp DESC, l.id DESC LIMIT ${limit}`,
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
