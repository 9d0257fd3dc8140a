// (g) of `npm run bench`: search over 1,000,000 stored logs through the daemon's HTTP API.
// The logs are written straight into a fresh data dir with the daemon's own repository code
// (the storing insert, then the full-text thread's step), which takes ~20 s instead of minutes
// of HTTP ingestion; then a daemon serves that file and each kind of
// query is timed end to end (HTTP round trip, sequential, first pages and a few deeper pages).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { LedgerClient } from '../../src/client/index.js'
import { validateLog } from '../../src/contract/ingest.js'
import { LogPageSchema } from '../../src/contract/logs.js'
import { emptyColumns, type LogColumns, pushLog } from '../../src/daemon/ingest/batch-decode.js'
import { openDatabase } from '../../src/daemon/storage/sqlite/database.js'
import { attachFulltext, indexNextLogs } from '../../src/daemon/storage/sqlite/fulltext.js'
import { appendLogs } from '../../src/daemon/storage/sqlite/logs.js'
import { dataFiles } from '../../src/shared/paths.js'
import { makeLogs } from './data.js'
import { type StartDaemon, stopProcess } from './daemon.js'

const CHUNK = 5000

/** A query's parameters, as sent in the query string of GET /api/v1/logs. */
type Query = Record<string, string>

// Words of data.ts: 'served', 'cache', 'miss' are in ~30% of messages each, 'request'
// in 10%; 'deadlock' in 1 in 5000; each '#k' number in one log.
const KINDS: ReadonlyArray<readonly [string, readonly Query[]]> = [
  ['common word', [{ q: 'served' }, { q: 'miss' }, { q: 'cache' }, { q: 'request' }]],
  ['rare word', [{ q: 'deadlock' }, { q: '123457' }, { q: 'deadlock detected' }]],
  ['prefix', [{ q: 'time*' }, { q: 'pay*' }, { q: 'deadl*' }]],
  ['phrase', [{ q: '"cache served"' }, { q: '"upstream timed out"' }, { q: '"connection refused"' }]],
  [
    'filter only',
    [
      { level: 'error' },
      { level: 'error,critical' },
      { environment: 'production', release: 'v1.2.3' },
      { 'attr.user_id': '7' },
      { from: '2026-01-01T01:00:00Z', to: '2026-01-01T01:30:00Z' },
    ],
  ],
  [
    'boolean',
    [
      { q: 'served OR cache' },
      { q: 'served NOT retry' },
      { q: '(timeout OR refused) AND payment' },
      { q: 'served', level: 'error' },
      { q: 'served OR deadlock', 'attr.user_id': '7' },
    ],
  ],
  // The worst cases, for the record: filters without an index that match (almost) nothing read
  // the whole project; a common word with such a filter that excludes all of it reads every match.
  [
    'worst: rare unindexed filter',
    [{ release: 'v9.9.9' }, { 'attr.request_id': 'req_123456' }, { q: 'connection', 'attr.path': '/api/items/3' }],
  ],
]

function fill(dataDir: string, projectId: number, rows: number): void {
  const files = dataFiles(dataDir)
  const db = openDatabase(files.database)
  attachFulltext(db, files.fulltext)
  db.pragma('wal_autocheckpoint = 0')
  const index = new BetterSqlite3(files.fulltext)
  const insert = db.transaction((c: LogColumns, at: number) => appendLogs(db, projectId, at, c))
  for (let off = 0; off < rows; off += CHUNK) {
    const c = emptyColumns()
    for (const l of makeLogs(Math.min(CHUNK, rows - off), off)) {
      const v = validateLog(l)
      if (!v.ok) throw new Error(`a bench log is invalid: ${v.detail}`)
      pushLog(c, v.value)
    }
    insert(c, Date.now())
    while (indexNextLogs(db, index, CHUNK)) {
      // the full-text thread's step
    }
    if (off % 200_000 === 0) {
      db.pragma('wal_checkpoint(TRUNCATE)')
      index.pragma('wal_checkpoint(TRUNCATE)')
    }
  }
  db.pragma('wal_checkpoint(TRUNCATE)')
  index.pragma('wal_checkpoint(TRUNCATE)')
  index.close()
  db.close()
}

const pct = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

/** The timings of one kind of query. */
export interface SearchKindResult {
  kind: string
  /** Milliseconds per request (one page). */
  p50: number
  p99: number
  requests: number
  /** Logs the pages held, in all. */
  found: number
}

/** What (g) measured. */
export interface SearchResult {
  rows: number
  fillSeconds: number
  results: SearchKindResult[]
}

/**
 * Fills a data dir with `rows` logs, serves it, and returns p50/p99 (ms) per kind of query.
 * `startDaemon(home)` starts `ledger daemon run` on that home (daemon.ts); `fillWith(dataDir,
 * projectId, rows)` stores the logs (default: SQLite's file, as above).
 */
export async function benchSearch(
  startDaemon: StartDaemon,
  rows = 1_000_000,
  runs = 60,
  fillWith: (dataDir: string, projectId: number, rows: number) => void | Promise<void> = fill,
): Promise<SearchResult> {
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-search-'))
  try {
    let { child, url } = await startDaemon(home)
    const anon = new LedgerClient({ baseUrl: url })
    const reg = await anon.register({ email: 'search@example.com', password: 'BenchPass123', name: 'Bench' })
    const me = anon.withCredential(reg.access_token)
    const project = await me.createProject({ name: 'Search', slug: 'search' })
    await anon.close()
    await stopProcess(child)

    const t0 = performance.now()
    await fillWith(join(home, 'data'), project.project_id, rows)
    const fillSeconds = (performance.now() - t0) / 1000
    ;({ child, url } = await startDaemon(home))
    const client = new LedgerClient({ baseUrl: url, credential: reg.access_token })
    try {
      const results: SearchKindResult[] = []
      for (const [kind, queries] of KINDS) {
        const times: number[] = []
        let found = 0
        for (let i = 0; i < runs; i++) {
          const query = { ...queries[i % queries.length], project_id: project.project_id, limit: 100 }
          // Every fourth run reads a few pages further, following next_cursor.
          const pages = i % 4 === 3 ? 4 : 1
          let cursor: string | undefined
          for (let p = 0; p < pages; p++) {
            const started = performance.now()
            const res = await client.raw('GET', '/api/v1/logs', { query: { ...query, cursor } })
            times.push(performance.now() - started)
            if (res.status !== 200) throw new Error(`${kind} ${JSON.stringify(query)}: HTTP ${res.status} ${JSON.stringify(res.body)}`)
            // Read after the clock stopped: the figure is the round trip, not the client's parsing.
            const page = LogPageSchema.parse(res.body)
            found += page.logs.length
            cursor = page.next_cursor ?? undefined
            if (!cursor) break
          }
        }
        times.sort((a, b) => a - b)
        results.push({ kind, p50: pct(times, 50), p99: pct(times, 99), requests: times.length, found })
      }
      return { rows, fillSeconds, results }
    } finally {
      await client.close()
      await stopProcess(child)
    }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}
