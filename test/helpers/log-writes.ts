import { validateLog } from '../../src/contract/ingest.js'
import { emptyColumns, pushLog } from '../../src/daemon/ingest/batch-decode.js'
import type { LogWrite } from '../../src/daemon/storage/types.js'

/** A write of a group commit (what the ingest service hands the engine): info logs of `messages`, received at `now`. */
export function logWrite(projectId: number, messages: string[], now = Date.now()): LogWrite {
  const logs = emptyColumns()
  for (const message of messages) {
    const v = validateLog({ timestamp: '2026-01-01T00:00:00Z', level: 'info', log_type: 'logger', importance: 'standard', message })
    if (!v.ok) throw new Error(v.detail)
    pushLog(logs, v.value)
  }
  return { projectId, receivedAt: now, day: Math.floor(now / 86_400_000), logs, count: messages.length, lastLogId: 0 }
}
