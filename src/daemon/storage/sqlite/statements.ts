import type { Database, Statement } from 'better-sqlite3'

const caches = new WeakMap<Database, Map<string, Statement>>()

/**
 * The prepared statement for `sql` on this database, compiled once and reused: compiling costs
 * more than running most of Ledger's queries. Every repository goes through here.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- better-sqlite3's own bind-parameter type
export function prepared<P extends unknown[] | {} = unknown[], R = unknown>(
  db: Database,
  sql: string,
): Statement<P, R> {
  let cache = caches.get(db)
  if (!cache) {
    cache = new Map()
    caches.set(db, cache)
  }
  let s = cache.get(sql)
  if (!s) {
    s = db.prepare(sql)
    cache.set(sql, s)
  }
  return s as unknown as Statement<P, R>
}
