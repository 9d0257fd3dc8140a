import type { Database } from 'better-sqlite3'

export interface AccountRow {
  id: number
  email: string
  name: string
  password_hash: string
  created_at: number
}

export function insertAccount(
  db: Database,
  a: { email: string; name: string; passwordHash: string; now: number },
): AccountRow {
  return db
    .prepare<[string, string, string, number], AccountRow>(
      'INSERT INTO accounts (email, name, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING *',
    )
    .get(a.email, a.name, a.passwordHash, a.now)!
}

export function findAccountByEmail(db: Database, email: string): AccountRow | undefined {
  return db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE email = ?').get(email)
}

export function findAccountById(db: Database, id: number): AccountRow | undefined {
  return db.prepare<[number], AccountRow>('SELECT * FROM accounts WHERE id = ?').get(id)
}

export function updatePasswordHash(db: Database, id: number, hash: string): void {
  db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?').run(hash, id)
}
