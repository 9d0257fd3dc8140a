import { DEFAULT_PROFILE } from './profiles.js'
import { credentialUrl } from './target.js'

/** Where a secret was kept: the OS keychain, or the 0600 file that stands in for one. */
export type StoreKind = 'keychain' | 'file'

export interface StoredSecret {
  value: string
  where: StoreKind
}

/**
 * Secrets by entry name (see `credentialEntry`). The CLI's is the OS keychain with a file
 * fallback (KeychainStore); tests give commands an in-memory one.
 */
export interface CredentialStore {
  get(entry: string): Promise<StoredSecret | null>
  /** Keeps `value` under `entry`; says where it went. */
  set(entry: string, value: string): Promise<StoreKind>
  delete(entry: string): Promise<void>
  /** The fallback file (shown by `auth status` when a credential is in it). */
  readonly file: string
}

/**
 * The names of the entries the CLI keeps (the keychain calls this name the entry's
 * "account"; it is not a Ledger account). A profile's login on a daemon is the daemon URL
 * itself for the default profile; other profiles and project keys add a suffix, so none can
 * collide.
 */
/** The profile an entry belongs to (the ` profile=NAME` it ends with, else the default). */
export function entryProfile(entry: string): string {
  return / profile=([^ ]+)$/.exec(entry)?.[1] ?? DEFAULT_PROFILE
}

export const credentialEntry = {
  login: (url: string, profile: string) =>
    profile === DEFAULT_PROFILE ? credentialUrl(url) : `${credentialUrl(url)} profile=${profile}`,
  projectKey: (url: string, profile: string, project: string) =>
    `${credentialUrl(url)} project=${project}${profile === DEFAULT_PROFILE ? '' : ` profile=${profile}`}`,
}
