import type { DeepHealth, Health } from '../../contract/health.js'
import type { Session } from '../auth/session.js'
import { EXIT } from '../runtime/errors.js'

/** The daemon's health; `deep` asks every dependency, with figures. */
export async function health(session: Session, deep: boolean): Promise<Health | DeepHealth> {
  const client = session.anonymousClient(5000)
  return deep ? client.deepHealth() : client.health()
}

/** `health`'s exit code: 1 unless healthy. */
export function healthExitCode(h: Health | DeepHealth): number {
  return h.status === 'healthy' ? EXIT.ok : EXIT.error
}
