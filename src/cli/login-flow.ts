import { Flags } from '@oclif/core'
import type { TokenResponse } from '../contract/accounts.js'
import { resolvePaths } from '../shared/paths.js'
import { readConfig, writeConfig } from './config.js'
import type { StoreKind } from './credentials.js'
import type { Session } from './session.js'

/** What `login` and `register` answer (their `--json`). */
export interface LoginResult {
  account_id: number
  email: string
  url: string
  profile: string
  credential_store: StoreKind
}

/** The flags `login` and `register` share. */
export const loginFlags = {
  email: Flags.string({ description: 'Account email (prompted when omitted on a terminal).' }),
  'password-stdin': Flags.boolean({ description: 'Read the password from stdin.' }),
}

/**
 * After register or login: the token pair goes to the credential store, and the profile
 * remembers its daemon URL and email (no secret in the config file).
 */
export async function rememberLogin(session: Session, tokens: TokenResponse): Promise<LoginResult> {
  const where = await session.saveLogin(tokens)
  const { config: dir } = resolvePaths()
  const config = readConfig(dir)
  config.profiles[session.target.profile] = { url: session.target.url, email: tokens.email }
  writeConfig(dir, config)
  const { url, profile } = session.target
  return { account_id: tokens.account_id, email: tokens.email, url, profile, credential_store: where }
}
