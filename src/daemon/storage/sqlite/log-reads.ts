import type { Database } from 'better-sqlite3'
import type { SearchNode } from '../../../contract/search-query.js'
import { COLUMNS, type LogRow, storedIdBounds } from './logs.js'
import { prepared } from './statements.js'
import { type LogFilterSpec, type LogPageSpec, UnsearchableQueryError } from '../types.js'



type Params = Record<string, unknown>

const LOG_COLUMNS = (alias: string) => `${alias}.id, ${COLUMNS.replace(/(\w+)/g, `${alias}.$1`)}`

interface ConditionOptions {
  /** Levels to keep instead of the filter's (one arm of a several-level read). */
  levels?: readonly string[]
  /** Suffix of this arm's level parameter names. */
  tag?: string
  /** Keep SQLite from using the project and level indexes (the caller walks ids instead). */
  unindexed?: boolean
}

/** The filter's conditions on table alias `t` (everything but full text), binding into `params`. */
function conditions(
  f: LogFilterSpec & { before?: LogPageSpec['before'] },
  t: string,
  params: Params,
  { levels = f.levels, tag = '', unindexed = false }: ConditionOptions = {},
): string[] {
  const plus = unindexed ? '+' : ''
  const where = [`${plus}${t}.project_id = @projectId`]
  params['projectId'] = f.projectId
  const list = (column: string, name: string, values: readonly string[] | undefined) => {
    if (!values || values.length === 0) return
    where.push(`${plus}${t}.${column} IN (${values.map((_, i) => `@${name}${i}`).join(', ')})`)
    values.forEach((v, i) => {
      params[`${name}${i}`] = v
    })
  }
  list('level', `level${tag}_`, levels)
  list('log_type', 'logType', f.logTypes)
  if (f.environment !== undefined) {
    where.push(`${t}.environment = @environment`)
    params['environment'] = f.environment
  }
  if (f.release !== undefined) {
    where.push(`${t}.release = @release`)
    params['release'] = f.release
  }
  f.attr?.forEach((a, i) => {
    // `->>` gives strings as text (and numbers as numbers), `->` the JSON form of any value:
    // `42`, `true`, `null`. Either equal to the text sent is a match.
    const paths = [`$."${a.key}"`]
    const segments = a.key.split('.')
    if (segments.length > 1 && segments.every((s) => s.length > 0)) {
      paths.push(`$${segments.map((s) => `."${s}"`).join('')}`)
    }
    const tests = paths.flatMap((p, j) => {
      params[`attrPath${i}_${j}`] = p
      return [`${t}.attributes ->> @attrPath${i}_${j} = @attrValue${i}`, `${t}.attributes -> @attrPath${i}_${j} = @attrValue${i}`]
    })
    params[`attrValue${i}`] = a.value
    // Attributes are stored as JSON.stringify wrote them, so a value with nothing JSON escapes
    // appears verbatim in the text: a cheap test that spares parsing most rows.
    const prefilter = /^[^"\\\u0000-\u001f]+$/.test(a.value) ? `instr(${t}.attributes, @attrValue${i}) > 0 AND ` : ''
    where.push(`(${prefilter}(${tests.join(' OR ')}))`)
  })
  if (f.from !== undefined) {
    where.push(`${t}.timestamp >= @from`)
    params['from'] = f.from
  }
  if (f.to !== undefined) {
    where.push(`${t}.timestamp <= @to`)
    params['to'] = f.to
  }
  if (f.before) {
    where.push(`(${t}.timestamp, ${t}.id) < (@beforeTs, @beforeId)`)
    params['beforeTs'] = f.before.timestamp
    params['beforeId'] = f.before.id
  }
  return where
}

/** The query tree in FTS5's syntax. Each term is quoted: FTS5 tokenizes it as it indexed logs. */
export function toFts5(node: SearchNode): string {
  switch (node.kind) {
    case 'term':
      return `"${node.text.replaceAll('"', '""')}"${node.prefix ? '*' : ''}`
    case 'or':
      return `(${node.any.map(toFts5).join(' OR ')})`
    case 'and': {
      const all = node.all.map(toFts5).join(' AND ')
      return node.not.length === 0 ? `(${all})` : `(${all}) NOT (${node.not.map(toFts5).join(' OR ')})`
    }
  }
}

/**
 * Logs of a project, newest first, without full text. Every accepted log is stored by the commit
 * that accepts it, so a log is readable as soon as its 202 is sent, whether or not its text is
 * indexed yet. With several levels, each level reads its own index range (one arm each): a rare
 * level among common ones costs no scan of the others.
 */
export function queryLogs(db: Database, q: LogPageSpec): LogRow[] {
  const params: Params = { limit: q.limit }
  const arm = (opts: ConditionOptions = {}) =>
    `SELECT * FROM (SELECT ${LOG_COLUMNS('l')} FROM logs l WHERE ${conditions(q, 'l', params, opts).join(' AND ')}
     ORDER BY l.timestamp DESC, l.id DESC LIMIT @limit)`
  const levels = q.levels ?? []
  const sql =
    levels.length > 1
      ? `${levels.map((level, i) => arm({ levels: [level], tag: String(i) })).join(' UNION ALL ')}
         ORDER BY timestamp DESC, id DESC LIMIT @limit`
      : arm()
  return prepared(db, sql).all(params) as LogRow[]
}

// Full-text reads. FTS5 returns matches in rowid (= id) order, the order the worker processed
// them, while pages are newest first by timestamp. Three plans, chosen per query:
// - few matches (< smallMatchSet): read them all, join, sort; cost grows with the matches.
// - many: read id windows just below the page's start (ids follow time in a live app), wider
//   while the page is not full, until no log outside the windows could still belong on it
//   (checked on the time index); cost grows with the page, not with the matches.
// - many, but windows don't settle (rare other filters, clocks far out of order): the time
//   index newest first, each row tested against the match set built once.
/** The thresholds between the plans (tests lower them to run every plan on little data). */
export interface SearchTuning {
  /** Below this many matches (in the whole index), read them all. */
  smallMatchSet: number
  /** Id windows may cover this many ids before the index walk takes over. */
  windowBudget: number
}
const TUNING: SearchTuning = { smallMatchSet: 5000, windowBudget: 65_536 }
const OFFENDERS = 64

/**
 * A page of logs matching `q.search` (and every other filter), newest first. Logs whose text is
 * not indexed yet are not returned. Read in one transaction, so the statements see one snapshot.
 */
export function searchLogs(
  db: Database,
  q: LogPageSpec & { search: SearchNode },
  tuning: SearchTuning = TUNING,
): LogRow[] {
  const params: Params = { match: toFts5(q.search), limit: q.limit }
  const where = conditions(q, 'l', params).join(' AND ')
  // FTS5 needs integer rowid bounds: better-sqlite3 binds JS numbers as REAL, which FTS5 does not
  // use as bounds at all (a full scan, and `rowid = 1.0` matches every row). Hence the CASTs.
  const fromFts = `SELECT ${LOG_COLUMNS('l')} FROM logs_fts f CROSS JOIN logs l ON l.id = f.rowid
    WHERE logs_fts MATCH @match AND ${where}`
  const order = 'ORDER BY l.timestamp DESC, l.id DESC LIMIT @limit'
  const all = () => prepared(db, `${fromFts} ${order}`).all(params) as LogRow[]
  return fts(() => db.transaction(() => {
    const matches = prepared<Params, { n: number }>(
      db,
      `SELECT count(*) AS n FROM (SELECT rowid FROM logs_fts WHERE logs_fts MATCH @match LIMIT @small)`,
    ).get({ ...params, small: tuning.smallMatchSet })!.n
    if (matches < tuning.smallMatchSet) return all()

    // The newest log that could be on the page, whatever its text: where the windows start.
    const start = prepared<Params, { id: number }>(
      db,
      `SELECT l.id FROM logs l WHERE ${conditions({ projectId: q.projectId, from: q.from, to: q.to, before: q.before }, 'l', {}).join(' AND ')}
       ORDER BY l.timestamp DESC, l.id DESC LIMIT 1`,
    ).get(params)?.id
    if (start === undefined) return []
    // Not null: `start` is a stored log.
    const bounds = storedIdBounds(db)!
    const window = prepared(
      db,
      `${fromFts} AND f.rowid BETWEEN CAST(@lo AS INTEGER) AND CAST(@hi AS INTEGER) ${order}`,
    )
    // Logs outside [lo, hi] that pass every other filter and would sort onto a full page (above
    // the page's last log), or onto a page not full yet (only ids above hi are left then).
    const offenders = (full: boolean) =>
      prepared<Params, { id: number }>(
        db,
        `SELECT l.id FROM logs l WHERE ${where} ${
          full ? 'AND (l.timestamp, l.id) > (@kTs, @kId) AND l.id NOT BETWEEN @lo AND @hi' : 'AND l.id > @hi'
        } LIMIT ${OFFENDERS + 1}`,
      )
    let rows: LogRow[] = []
    const examine = (from: number, to: number) => {
      if (from > to) return
      const found = window.all({ ...params, lo: from, hi: to }) as LogRow[]
      rows = newestFirst(rows.concat(found)).slice(0, q.limit)
    }
    let span = Math.max(1024, q.limit * 8)
    let lo = Math.max(bounds.lo, start - span + 1)
    let hi = start
    examine(lo, hi)
    for (;;) {
      if (lo <= bounds.lo && hi >= bounds.hi) return rows
      if (rows.length < q.limit && lo > bounds.lo) {
        // The page is not full: read further back, as far as the density of results so far
        // says it takes (with a margin), at least 4 times as far as the last window.
        const density = rows.length / (hi - lo + 1)
        const wanted = density > 0 ? ((q.limit - rows.length) / density) * 1.5 : Number.POSITIVE_INFINITY
        span = Math.max(span * 4, wanted)
        const newLo = Math.max(bounds.lo, lo - span)
        if (hi - newLo + 1 > tuning.windowBudget) break
        examine(newLo, lo - 1)
        lo = newLo
        continue
      }
      const kth = rows.length >= q.limit ? rows[q.limit - 1] : undefined
      const out = offenders(kth !== undefined)
        .all({ ...params, lo, hi, kTs: kth?.timestamp, kId: kth?.id })
        .map((r) => r.id)
      if (out.length === 0) return rows
      const below = out.filter((id) => id < lo)
      const above = out.filter((id) => id > hi)
      let newLo = lo
      let newHi = hi
      if (out.length <= OFFENDERS) {
        // All of them: widen the windows just enough to take them in.
        if (below.length > 0) newLo = Math.min(...below)
        if (above.length > 0) newHi = Math.max(...above)
      } else {
        span *= 4
        if (below.length > 0) newLo = Math.max(bounds.lo, lo - span)
        if (above.length > 0) newHi = Math.min(bounds.hi, hi + span)
      }
      if (newHi - newLo + 1 > tuning.windowBudget) break
      examine(newLo, lo - 1)
      examine(hi + 1, newHi)
      lo = newLo
      hi = newHi
    }
    // `+l.id`: the match set is only a test here, so SQLite walks an index newest first instead
    // of looking up and sorting every match.
    return prepared(
      db,
      `SELECT ${LOG_COLUMNS('l')} FROM logs l WHERE ${where}
       AND +l.id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH @match) ${order}`,
    ).all(params) as LogRow[]
  })())
}

function newestFirst(rows: LogRow[]): LogRow[] {
  return rows.sort((a, b) => b.timestamp - a.timestamp || b.id - a.id)
}

/**
 * Processed logs matching `f` with `after < id <= upTo`, in id order, at most `limit`: what a
 * live tail sends next. Returns the rows and how far the scan got (every id up to `scannedTo`
 * has been looked at), so a tail with rare matches does not read the same ids again.
 */
export function processedLogsAfter(
  db: Database,
  f: LogFilterSpec,
  after: number,
  upTo: number,
  limit: number,
): { rows: LogRow[]; scannedTo: number } {
  if (upTo <= after) return { rows: [], scannedTo: after }
  const rows = processedInIdRange(db, f, { after, upTo }, 'ASC', limit)
  return { rows, scannedTo: rows.length === limit ? rows.at(-1)!.id : upTo }
}

/** The last `n` processed logs matching `f` with id ≤ `upTo`, in id order: a tail's backlog. */
export function lastProcessedLogs(db: Database, f: LogFilterSpec, upTo: number, n: number): LogRow[] {
  if (n <= 0) return []
  return processedInIdRange(db, f, { upTo }, 'DESC', n).reverse()
}

/**
 * The ids of the processed logs matching `f` with `after < id <= upTo`, in id order: which of a
 * project's new logs a group of live tails with this filter gets (services/tail-hub.ts). The
 * same SQL as a tail's own read, without reading the rows.
 */
export function processedIdsInRange(db: Database, f: LogFilterSpec, after: number, upTo: number): number[] {
  if (upTo <= after) return []
  return processedInIdRange<{ id: number }>(db, f, { after, upTo }, 'ASC', -1, 'l.id').map((r) => r.id)
}

/**
 * Processed logs matching `f` with `after < id <= upTo` (`after` optional), the first `limit`
 * of them in id order `dir` (-1: all). The id range is the index: the new logs are few, the
 * project's may be millions.
 */
function processedInIdRange<R = LogRow>(
  db: Database,
  f: LogFilterSpec,
  range: { after?: number; upTo: number },
  dir: 'ASC' | 'DESC',
  limit: number,
  columns = LOG_COLUMNS('l'),
): R[] {
  const params: Params = { upTo: range.upTo, limit }
  if (range.after !== undefined) params['after'] = range.after
  const where = conditions(f, 'l', params, { unindexed: true }).join(' AND ')
  let sql: string
  if (f.search) {
    params['match'] = toFts5(f.search)
    const after = range.after === undefined ? '' : 'fts.rowid > CAST(@after AS INTEGER) AND '
    sql = `SELECT ${columns} FROM logs_fts fts CROSS JOIN logs l ON l.id = fts.rowid
      WHERE logs_fts MATCH @match AND ${after}fts.rowid <= CAST(@upTo AS INTEGER)
      AND ${where} ORDER BY fts.rowid ${dir} LIMIT @limit`
  } else {
    const after = range.after === undefined ? '' : 'l.id > @after AND '
    sql = `SELECT ${columns} FROM logs l WHERE ${after}l.id <= @upTo AND ${where}
      ORDER BY l.id ${dir} LIMIT @limit`
  }
  return fts(() => prepared(db, sql).all(params) as R[])
}


/** Runs `read`, turning FTS5's own complaints about a MATCH expression into UnsearchableQueryError. */
function fts<T>(read: () => T): T {
  try {
    return read()
  } catch (err) {
    const message = (err as Error).message ?? ''
    if ((err as { code?: string }).code === 'SQLITE_ERROR' && /fts5|MATCH/i.test(message)) {
      throw new UnsearchableQueryError(message.replace(/^fts5:\s*/, ''))
    }
    throw err
  }
}
