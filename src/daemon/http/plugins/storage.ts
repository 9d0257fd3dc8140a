import type { FastifyInstance } from 'fastify'
import { badRequest, unavailable } from '../../services/errors.js'
import type { StorageHealthView } from '../../storage/types.js'

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The first string (or key) holding U+0000 in a parsed JSON value, as a path; null if none. */
function nulAt(v: unknown, path: string, depth = 0): string | null {
  if (typeof v === 'string') return v.includes('\u0000') ? path : null
  if (typeof v !== 'object' || v === null || depth > 32 || Buffer.isBuffer(v)) return null
  for (const [k, item] of Object.entries(v)) {
    const at = `${path}.${k}`
    if (k.includes('\u0000')) return at
    const found = nulAt(item, at, depth + 1)
    if (found) return found
  }
  return null
}

/**
 * Refuses U+0000 (NUL) in a request's query and JSON body with a 400, on every engine:
 * PostgreSQL cannot store it in text, and one answer whatever the engine beats a name one keeps
 * and the other refuses. (Logs are checked one by one by the ingestion validator instead, so
 * that one bad log does not refuse its whole batch; their bodies are not parsed here.)
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const at = nulAt(req.query, 'query') ?? nulAt(req.body, 'body')
    if (at) throw badRequest(`${at} must not contain U+0000 (NUL)`)
  })
}

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
