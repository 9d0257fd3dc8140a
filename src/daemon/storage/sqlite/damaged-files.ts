import { existsSync, renameSync, rmSync } from 'node:fs'
import type { Database } from 'better-sqlite3'
import { attachFulltext, type FulltextState } from './fulltext.js'

/** Whether SQLite found a file damaged: not a database at all, or a malformed page. */
export function isDamagedFile(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
}

/**
 * `attachFulltext`, for a start whose full-text file may be damaged. The index is derived data:
 * a damaged file is moved aside (`fulltext.db.corrupt-<time>`, with its journal, for whoever wants
 * to look at it), a fresh one is made, and the index is rebuilt from the stored logs in the
 * background as for a missing one. Warns once; anything else than damage is thrown as before.
 */
export function attachFulltextOrMoveAside(
  db: Database,
  file: string,
  now: number,
  warn: (obj: unknown, msg: string) => void,
): FulltextState {
  // The database's own logs first, which a fresh index is rebuilt from: damage there is the
  // database's, and must not be taken for the index's.
  db.prepare('SELECT max(id) FROM logs').get()
  try {
    return attachFulltext(db, file)
  } catch (err) {
    if (!isDamagedFile(err)) throw err
    try {
      db.exec('DETACH DATABASE fulltext')
    } catch {
      // it was not attached
    }
    const aside = `${file}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`
    renameSync(file, aside)
    // With what SQLite keeps beside it: its WAL (an index made before it took a rollback journal) or a hot journal.
    for (const suffix of ['-wal', '-journal']) {
      if (existsSync(`${file}${suffix}`)) renameSync(`${file}${suffix}`, `${aside}${suffix}`)
    }
    // The shared-memory index is rebuilt from the WAL by whoever opens it next.
    rmSync(`${file}-shm`, { force: true })
    warn(
      { file, moved_to: aside, err: (err as Error).message },
      `the full-text index ${file} is damaged (${(err as Error).message}); it was moved to ${aside} and is being rebuilt from the logs in the background`,
    )
    return attachFulltext(db, file)
  }
}

/**
 * The error a start gets when the database file itself is damaged: one line naming the file
 * and what to do. Unlike the full-text index, it holds what nothing else does.
 */
export function damagedDatabaseError(file: string, err: unknown): Error {
  return new Error(
    `the database ${file} is damaged (${(err as Error).message}): restore it from a backup, or move it aside to start ` +
      'with an empty one (it holds the accounts, projects, keys and logs)',
  )
}
