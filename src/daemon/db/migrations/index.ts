import type { Database } from 'better-sqlite3'
import * as m001 from './001-initial.js'

/** A schema change. Append only: a released migration is never edited. */
export interface Migration {
  readonly version: number
  readonly name: string
  up(db: Database): void
}

export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: '001-initial', up: m001.up }]
