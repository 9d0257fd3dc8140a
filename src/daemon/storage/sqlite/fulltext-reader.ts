import type { SearchNode } from '../../../contract/search-query.js'
import { CallPool, reviveError, type ThreadError } from '../../workers/call-pool.js'
import { type LogFilterSpec, type LogPageSpec, UnsearchableQueryError } from '../types.js'
import type { LogRow } from './logs.js'

/** A read of the full-text index, as the reading thread takes it (fulltext-reads.worker.ts). */
export type FulltextRead =
  | { op: 'page'; q: LogPageSpec & { search: SearchNode } }
  | { op: 'after'; f: LogFilterSpec; after: number; upTo: number; limit: number }
  | { op: 'last'; f: LogFilterSpec; upTo: number; n: number }
  | { op: 'ids'; f: LogFilterSpec; after: number; upTo: number }
  | { op: 'check'; search: SearchNode }

/**
 * Every read of the full-text index runs on a thread of its own: searches (`logs?q=`), the
 * tails that filter by text, and the check of a tail's query. FTS5 reads are the daemon's
 * longest statements (tens of ms on a large index), and the full-text file is written by the
 * indexing thread in rollback-journal mode (each new page written once: see fulltext.ts), whose
 * commits lock readers out for a moment: on the main thread, both would stall every request.
 * The main thread keeps no connection to the full-text file.
 */
export class FulltextReader {
  private readonly pool: CallPool<FulltextRead, unknown>

  constructor(files: { database: string; fulltext: string }, log: { error: (obj: unknown, msg: string) => void }) {
    this.pool = new CallPool({
      base: import.meta.url,
      module: 'fulltext-reads.worker',
      threads: 1,
      workerData: files,
      what: 'full-text reading',
      log,
      revive,
    })
  }

  /** Starts the thread now rather than at the first search. */
  start(): void {
    this.pool.start()
  }

  page(q: LogPageSpec & { search: SearchNode }): Promise<LogRow[]> {
    return this.pool.call({ op: 'page', q }) as Promise<LogRow[]>
  }

  after(f: LogFilterSpec, after: number, upTo: number, limit: number): Promise<{ rows: LogRow[]; scannedTo: number }> {
    return this.pool.call({ op: 'after', f, after, upTo, limit }) as Promise<{ rows: LogRow[]; scannedTo: number }>
  }

  last(f: LogFilterSpec, upTo: number, n: number): Promise<LogRow[]> {
    return this.pool.call({ op: 'last', f, upTo, n }) as Promise<LogRow[]>
  }

  idsInRange(f: LogFilterSpec, after: number, upTo: number): Promise<number[]> {
    return this.pool.call({ op: 'ids', f, after, upTo }) as Promise<number[]>
  }

  async check(search: SearchNode): Promise<void> {
    await this.pool.call({ op: 'check', search })
  }

  close(): Promise<void> {
    return this.pool.close()
  }
}

/** The kinds a caller tells apart come back as themselves: a bad query is still a 400. */
function revive(e: ThreadError): Error {
  return e.name === 'UnsearchableQueryError' ? new UnsearchableQueryError(e.message) : reviveError(e)
}
