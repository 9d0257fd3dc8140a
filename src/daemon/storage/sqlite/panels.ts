import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'
import type { PanelFields, PanelRecord } from '../types.js'

export type PanelRow = PanelRecord
export type { PanelFields }



export function listPanels(db: Database, accountId: number): PanelRow[] {
  return prepared<[number], PanelRow>(
    db,
    'SELECT * FROM panels WHERE account_id = ? ORDER BY idx, created_at, id',
  ).all(accountId)
}

export function findPanel(db: Database, accountId: number, id: string): PanelRow | undefined {
  return prepared<[number, string], PanelRow>(db, 'SELECT * FROM panels WHERE account_id = ? AND id = ?').get(
    accountId,
    id,
  )
}

export function insertPanel(
  db: Database,
  p: PanelFields & { id: string; account_id: number; created_at: number },
): void {
  prepared(
    db,
    `INSERT INTO panels (id, account_id, name, idx, project_ref, time_range_from, time_range_to, type, created_at)
     VALUES (@id, @account_id, @name, @idx, @project_ref, @time_range_from, @time_range_to, @type, @created_at)`,
  ).run(p)
}

export function updatePanel(db: Database, accountId: number, id: string, p: PanelFields): boolean {
  return (
    prepared(
      db,
      `UPDATE panels SET name = @name, idx = @idx, project_ref = @project_ref, time_range_from = @time_range_from,
           time_range_to = @time_range_to, type = @type WHERE account_id = @accountId AND id = @id`,
    ).run({ ...p, accountId, id }).changes > 0
  )
}

export function deletePanel(db: Database, accountId: number, id: string): boolean {
  return prepared(db, 'DELETE FROM panels WHERE account_id = ? AND id = ?').run(accountId, id).changes > 0
}
