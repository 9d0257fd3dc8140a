import type { FastifyInstance } from 'fastify'
import { unavailable } from '../../services/errors.js'
import type { StorageHealthView } from '../../storage/types.js'

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Refuses every write (503) while storage says it cannot keep what it would acknowledge (the
 * SQLite file deleted or replaced while the daemon runs: SQLite would go on writing to the
 * deleted file, and a 202 would promise logs that vanish at the next start). Reads go on.
 */
export function registerStorageGate(app: FastifyInstance, health: StorageHealthView): void {
  app.addHook('onRequest', async (req) => {
    if (READS.has(req.method)) return
    const refusal = health.writeRefusal()
    if (refusal) throw unavailable(refusal.detail, refusal.retryAfter)
  })
}
