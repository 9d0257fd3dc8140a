import type { FastifyInstance } from 'fastify'
import type { StorageHealth } from '../../storage/sqlite/storage-health.js'

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Refuses every write (503) while the database file is gone (deleted or replaced while the
 * daemon runs): SQLite would go on writing to the deleted file, and a 202 would promise logs
 * that vanish at the next start. Reads go on: the open file still holds everything.
 */
export function registerStorageGate(app: FastifyInstance, storage: StorageHealth): void {
  app.addHook('onRequest', async (req) => {
    if (READS.has(req.method)) return
    const refusal = storage.refusal()
    if (refusal) throw refusal
  })
}
