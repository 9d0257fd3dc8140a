import type { TailEnd } from '../../contract/logs.js'

/** Something about credentials changed that may end what a request holds open. */
export type CredentialChange =
  /** This API key was revoked, disabled or otherwise changed: whoever holds it checks it again. */
  | { kind: 'key'; keyId: number }
  /** This session (refresh-token family) ended: every access token of it is dead. */
  | { kind: 'session'; familyId: string; end: TailEnd }
  /** This project was deleted (by another daemon): the tails held by its keys check them again. */
  | { kind: 'project'; projectId: number }
  /** Changes may have been missed (the bus between daemons was cut): everything is checked again. */
  | { kind: 'any' }

/**
 * In-process news of credential changes: the key and account services announce revocations,
 * and whatever holds a credential open (live tails; requests still receiving their body) hears
 * of them at once, instead of asking the database again and again. Listeners are called
 * synchronously and must not throw.
 */
export class CredentialEvents {
  private readonly listeners = new Set<(change: CredentialChange) => void>()
  private epoch_ = 0

  /** Grows at every change: a request that saw another value when it was authenticated checks again. */
  get epoch(): number {
    return this.epoch_
  }

  emit(change: CredentialChange): void {
    this.epoch_++
    for (const l of this.listeners) l(change)
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: (change: CredentialChange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }
}
