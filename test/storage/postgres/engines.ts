import { afterEach } from 'vitest'
import { PostgresStorage } from '../../../src/daemon/storage/postgres/index.js'
import { usePostgres } from '../../helpers/postgres.js'

/** An engine log that drops everything (tests assert on behaviour, not on warnings). */
export const quiet = { warn: () => undefined, error: () => undefined }

/**
 * A PostgreSQL server for the file (fsync off) and `start(url)`: an engine on one of its
 * databases, as a daemon opens it, closed after each test.
 */
export function useEngines() {
  const server = usePostgres({ fsync: false })
  const open: PostgresStorage[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()))
  })
  const start = async (url: string, now: () => number = Date.now) => {
    const s = await PostgresStorage.open({ url }, quiet, now)
    open.push(s)
    return s
  }
  return { server, start }
}
