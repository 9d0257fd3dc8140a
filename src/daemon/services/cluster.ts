import type { ClusterBus } from '../storage/types.js'
import type { ApiKeyService } from './api-keys.js'
import type { CredentialEvents } from './credential-events.js'

/** The parts of this daemon that hold in memory what another daemon may change. */
export interface ClusterParts {
  apiKeys: ApiKeyService
  credentials: CredentialEvents
  /** A project's settings changed (the ingest service caches its quota). */
  projectChanged(projectId: number): void
  /** The account's panels changed, or went with a deleted project (the panels cache). */
  accountChanged(accountId: number): void
  /** Every cached panel list may be stale (news missed while the bus was cut). */
  allAccountsChanged(): void
  log: { error: (obj: unknown, msg: string) => void }
}

/**
 * Applies what the other daemons on the same database tell this one (`storage.bus`): the same
 * steps a change made here takes, minus the write (already made, committed before it was told)
 * and minus telling the others again. Returns the function that stops listening.
 */
export function followCluster(bus: ClusterBus, parts: ClusterParts): () => void {
  const { apiKeys, credentials } = parts
  const failed = (err: unknown) => parts.log.error({ err }, 'a change told by another daemon could not be applied')
  return bus.subscribe((e) => {
    switch (e.kind) {
      case 'key':
        apiKeys.changedElsewhere(e.keyId, e.revoked)
        break
      case 'limits':
        apiKeys.limitsChangedElsewhere(e.keyId).catch(failed)
        break
      case 'session':
        credentials.emit({ kind: 'session', familyId: e.familyId, end: e.end })
        break
      case 'project':
        parts.projectChanged(e.projectId)
        if (e.deleted) {
          apiKeys.projectDeletedElsewhere(e.projectId)
          parts.accountChanged(e.accountId)
        }
        break
      case 'panels':
        parts.accountChanged(e.accountId)
        break
      case 'resync':
        parts.allAccountsChanged()
        apiKeys.resync().catch(failed)
        break
    }
  })
}
