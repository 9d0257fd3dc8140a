import type { Scope } from '../../contract/api-keys.js'
import type { AccessClaims } from './tokens.js'

/** The identity an API key grants to a request. */
export interface KeyPrincipal {
  keyId: number
  projectId: number
  accountId: number
  scopes: readonly Scope[]
  /** Epoch ms, or null for a key that never expires. */
  expiresAt: number | null
}

/** Who a request acts as: an account (access token) or a project's API key. */
export type Principal =
  | { kind: 'account'; accountId: number; claims: AccessClaims }
  | ({ kind: 'key' } & KeyPrincipal)
