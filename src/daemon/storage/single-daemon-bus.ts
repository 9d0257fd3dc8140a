import { randomUUID } from 'node:crypto'
import type { ClusterBus } from './types.js'

/**
 * The bus of an engine only one daemon runs on (SQLite: one file, one daemon): there is nobody
 * to tell and nobody to hear from, so publishing is done once the daemon's own services have
 * acted (they act in process before publishing), and no queue but this daemon's exists.
 */
export class SingleDaemonBus implements ClusterBus {
  readonly instanceId = randomUUID()

  async publish(): Promise<void> {}

  subscribe(): () => void {
    return () => undefined
  }

  shareDepths(): void {}

  othersDepth(): number {
    return 0
  }

  report() {
    return { status: 'healthy' as const, transport: 'none (one daemon)' }
  }
}
