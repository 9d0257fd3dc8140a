import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'
import type { AccountRecord } from '../types.js'

export type AccountRow = AccountRecord


export function insertAccount(
  db: Database,
  a: { email: string; name: string; passwordHash: string; now: number },
): AccountRow {
  return prepared<[string, string, string, number], AccountRow>(
    db,
    'INSERT INTO accounts (email, name, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING *',
  ).get(a.email, a.name, a.passwordHash, a.now)!
}

export function findAccountByEmail(db: Database, email: string): AccountRow | undefined {
  return prepared<[string], AccountRow>(db, 'SELECT * FROM accounts WHERE email = ?').get(email)
}

export function findAccountById(db: Database, id: number): AccountRow | undefined {
  return prepared<[number], AccountRow>(db, 'SELECT * FROM accounts WHERE id = ?').get(id)
}

export function updatePasswordHash(db: Database, id: number, hash: string): void {
  prepared(db, 'UPDATE accounts SET password_hash = ? WHERE id = ?').run(hash, id)
}
