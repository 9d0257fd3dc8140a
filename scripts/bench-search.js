// (f) of `npm run bench`: search over 1,000,000 stored logs through the daemon's HTTP API.
// The logs are written straight into a fresh data dir with the daemon's own repository code
// (the storing insert, then the full-text thread's step), which takes ~20 s instead of minutes
// of HTTP ingestion; then a daemon serves that file and each kind of
// query is timed end to end (HTTP round trip, sequential, first pages and a few deeper pages).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LedgerClient } from '../dist/client/index.js'
import { validateLog } from '../dist/contract/ingest.js'
import { openDatabase } from '../dist/daemon/storage/sqlite/database.js'
import BetterSqlite3 from 'better-sqlite3'
import { attachFulltext, indexNextLogs } from '../dist/daemon/storage/sqlite/fulltext.js'
import { appendLogs } from '../dist/daemon/storage/sqlite/logs.js'
import { emptyColumns, pushLog } from '../dist/daemon/ingest/batch-decode.js'
import { dataFiles } from '../dist/shared/paths.js'
import { makeLogs } from './bench-data.js'

const CHUNK = 5000

// Words of bench-data.js: 'served', 'cache', 'miss' are in ~30% of messages each, 'request'
// in 10%; 'deadlock' in 1 in 5000; each '#k' number in one log.
const KINDS = [
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

function fill(dataDir, projectId, rows) {
  const files = dataFiles(dataDir)
  const db = openDatabase(files.database)
  attachFulltext(db, files.fulltext)
  db.pragma('wal_autocheckpoint = 0')
  const index = new BetterSqlite3(files.fulltext)
  const insert = db.transaction((c, at) => appendLogs(db, projectId, at, c))
  for (let off = 0; off < rows; off += CHUNK) {
    const c = emptyColumns()
    for (const l of makeLogs(Math.min(CHUNK, rows - off), off)) pushLog(c, validateLog(l).value)
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

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

/**
 * Fills a data dir with `rows` logs, serves it, and returns p50/p99 (ms) per kind of query.
 * `startDaemon(home)` starts `ledger daemon run` on that home and returns { child, url };
 * `fillWith(dataDir, projectId, rows)` stores the logs (default: SQLite's file, as above).
 */
export async function benchSearch(startDaemon, rows = 1_000_000, runs = 60, fillWith = fill) {
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-search-'))
  try {
    let { child, url } = await startDaemon(home)
    const anon = new LedgerClient({ baseUrl: url })
    const reg = await anon.register({ email: 'search@example.com', password: 'BenchPass123', name: 'Bench' })
    const me = anon.withCredential(reg.access_token)
    const project = await me.createProject({ name: 'Search', slug: 'search' })
    await anon.close()
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))

    const t0 = performance.now()
    await fillWith(join(home, 'data'), project.project_id, rows)
    const fillSeconds = (performance.now() - t0) / 1000
    ;({ child, url } = await startDaemon(home))
    const client = new LedgerClient({ baseUrl: url, credential: reg.access_token })
    try {
      const results = []
      for (const [kind, queries] of KINDS) {
        const times = []
        let found = 0
        for (let i = 0; i < runs; i++) {
          const query = { ...queries[i % queries.length], project_id: project.project_id, limit: 100 }
          // Every fourth run reads a few pages further, following next_cursor.
          const pages = i % 4 === 3 ? 4 : 1
          let cursor
          for (let p = 0; p < pages; p++) {
            const started = performance.now()
            const res = await client.raw('GET', '/api/v1/logs', { query: { ...query, cursor } })
            times.push(performance.now() - started)
            if (res.status !== 200) throw new Error(`${kind} ${JSON.stringify(query)}: HTTP ${res.status} ${JSON.stringify(res.body)}`)
            found += res.body.logs.length
            cursor = res.body.next_cursor
            if (!cursor) break
          }
        }
        times.sort((a, b) => a - b)
        results.push({ kind, p50: pct(times, 50), p99: pct(times, 99), requests: times.length, found })
      }
      return { rows, fillSeconds, results }
    } finally {
      await client.close()
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}
