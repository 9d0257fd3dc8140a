import type { Database } from 'better-sqlite3'
import * as m001 from './001-initial.js'
import * as m002 from './002-processing.js'
import * as m003 from './003-key-management.js'
import * as m004 from './004-sessions.js'
import * as m005 from './005-verification-codes.js'
import * as m006 from './006-key-scopes.js'
import * as m007 from './007-fulltext-file.js'
import * as m008 from './008-accepted-is-stored.js'
import * as m009 from './009-verification-failures.js'
import * as m010 from './010-idempotency-last-log-id.js'
import * as m011 from './011-errors-by-arrival.js'

/** A schema change. Append only: a released migration is never edited. */
export interface Migration {
  readonly version: number
  readonly name: string
  up(db: Database): void
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '001-initial', up: m001.up },
  { version: 2, name: '002-processing', up: m002.up },
  { version: 3, name: '003-key-management', up: m003.up },
  { version: 4, name: '004-sessions', up: m004.up },
  { version: 5, name: '005-verification-codes', up: m005.up },
  { version: 6, name: '006-key-scopes', up: m006.up },
  { version: 7, name: '007-fulltext-file', up: m007.up },
  { version: 8, name: '008-accepted-is-stored', up: m008.up },
  { version: 9, name: '009-verification-failures', up: m009.up },
  { version: 10, name: '010-idempotency-last-log-id', up: m010.up },
  { version: 11, name: '011-errors-by-arrival', up: m011.up },
]
