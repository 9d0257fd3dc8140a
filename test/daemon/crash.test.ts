import { rmSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { LedgerClient } from '../../src/client/index.js'
import { attachFulltextFile } from '../../src/daemon/storage/sqlite/fulltext.js'
import {
  log,
  PASSWORD,
  type SpawnedDaemon,
  spawnDaemon,
  tempHome,
  uniqueEmail,
  waitFor,
} from '../helpers/daemon.js'

const env = { LEDGER_SCRYPT_LOG_N: '12' }

describe('durability: a 202 survives kill -9 of the daemon', () => {
  const home = tempHome()
  let daemon: SpawnedDaemon | undefined
  afterAll(async () => {
    await daemon?.stop('SIGKILL')
    rmSync(home, { recursive: true, force: true })
  })

  it('keeps every acknowledged log exactly once across repeated SIGKILLs and restarts, searchable once, and both files stay intact', async () => {
    daemon = await spawnDaemon({ home, env })
    let current = new LedgerClient({ baseUrl: daemon.url, timeoutMs: 5000 })
    const reg = await current.register({ email: uniqueEmail('crash'), password: PASSWORD, name: 'Crash' })
    const account = current.withCredential(reg.access_token)
    const project = await account.createProject({ name: 'Crash', slug: 'crash' })
    const key = (await account.createApiKey(project.project_id, { name: 'k' })).full_key

    const acked = new Set<string>()
    let attempts = 0
    let running = true
    const clientLoop = async (c: number) => {
      let seq = 0
      while (running) {
        const messages = Array.from({ length: 50 }, (_, i) => `c${c}-${seq}-${i}`)
        seq++
        attempts++
        try {
          const r = await current.withCredential(key).ingestBatch(messages.map((message) => log({ message })))
          if (r.accepted === 50) for (const m of messages) acked.add(m)
        } catch {
          // Daemon down or killed mid-request: that batch was not acknowledged; go on.
          await new Promise((r) => setTimeout(r, 20))
        }
      }
    }
    const clients = [0, 1, 2, 3].map(clientLoop)

    for (let round = 0; round < 4; round++) {
      const before = acked.size
      await waitFor(() => acked.size >= before + 500, 20_000, 'some logs to be acknowledged')
      await daemon.stop('SIGKILL')
      // The stale state file left by the kill must not block the restart.
      daemon = await spawnDaemon({ home, env })
      current = new LedgerClient({ baseUrl: daemon.url, timeoutMs: 5000 })
    }
    const before = acked.size
    await waitFor(() => acked.size >= before + 500, 20_000, 'logs after the last restart')
    running = false
    await Promise.all(clients)

    const reader = current.withCredential(key)
    await waitFor(async () => (await reader.queueDepth()).queue_depth === 0, 30_000, 'the queue to drain')
    expect(await daemon.stop('SIGTERM')).toBe(0)
    daemon = undefined

    const db = new BetterSqlite3(join(home, 'data', 'ledger.db'), { readonly: true })
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      const rows = db.prepare('SELECT message, count(*) AS n FROM logs GROUP BY message').all() as Array<{
        message: string
        n: number
      }>
      const stored = new Map(rows.map((r) => [r.message, r.n]))
      const duplicated = rows.filter((r) => r.n > 1)
      expect(duplicated).toEqual([])
      const lost = [...acked].filter((m) => !stored.has(m))
      expect(lost).toEqual([])
      // The full-text index (its own file, written by its own thread, killed as often) holds
      // every stored log exactly once, and nothing else.
      attachFulltextFile(db, join(home, 'data', 'fulltext.db'))
      expect(db.pragma('fulltext.integrity_check', { simple: true })).toBe('ok')
      const ids = (sql: string) => (db.prepare(sql).all() as Array<{ id: number }>).map((r) => r.id)
      const indexed = ids('SELECT id FROM fulltext.logs_fts_docsize ORDER BY id')
      expect(indexed.length).toBe(stored.size)
      expect(indexed).toEqual(ids('SELECT id FROM logs ORDER BY id'))
      // Nothing is left waiting: the index's watermark is the last id stored.
      expect(db.prepare('SELECT indexed_upto AS id FROM fulltext.fulltext_state').get()).toEqual(
        db.prepare('SELECT max(id) AS id FROM logs').get(),
      )
      // Sanity: the test did exercise concurrency and kills.
      expect(acked.size).toBeGreaterThan(2500)
      expect(attempts).toBeGreaterThan(acked.size / 50)
    } finally {
      db.close()
    }
    // FTS5's own check of its segments (it needs a writable connection).
    const fts = new BetterSqlite3(join(home, 'data', 'fulltext.db'))
    try {
      expect(() => fts.exec("INSERT INTO logs_fts (logs_fts) VALUES ('integrity-check')")).not.toThrow()
    } finally {
      fts.close()
    }
  })
})
