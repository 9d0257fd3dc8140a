import type { Database } from 'better-sqlite3'
import type { DaemonConfig } from '../config.js'

/** What every service gets: the database, the parsed config and the clock (ms). */
export interface ServiceContext {
  readonly db: Database
  readonly config: DaemonConfig
  readonly now: () => number
}
