import { workerData } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'
import { serveCalls } from '../../workers/call-pool.js'
import { nameThread } from '../../workers/threads.js'
import { attachFulltextFile } from './fulltext.js'
import type { FulltextRead } from './fulltext-reader.js'
import { lastProcessedLogs, processedIdsInRange, processedLogsAfter, searchLogs } from './log-reads.js'
import { checkSearchable } from './tail-reads.js'

// The thread that runs every read of the full-text index (see fulltext-reader.ts), on a
// connection of its own: the database file, with the full-text file attached.
const { database, fulltext } = workerData as { database: string; fulltext: string }

nameThread('ledger-search')
const db = new BetterSqlite3(database, { timeout: 5000 })
db.pragma('query_only = ON')
attachFulltextFile(db, fulltext)

serveCalls<FulltextRead, unknown>(
  (r) => {
    switch (r.op) {
      case 'page':
        return searchLogs(db, r.q)
      case 'after':
        return processedLogsAfter(db, r.f, r.after, r.upTo, r.limit)
      case 'last':
        return lastProcessedLogs(db, r.f, r.upTo, r.n)
      case 'ids':
        return processedIdsInRange(db, r.f, r.after, r.upTo)
      case 'check':
        return checkSearchable(db, r.search)
    }
  },
  () => db.close(),
)
