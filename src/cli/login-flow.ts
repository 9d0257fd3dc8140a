import type { TokenResponse } from '../contract/accounts.js'
import { resolvePaths } from '../shared/paths.js'
import { readConfig, writeConfig } from './config.js'
import type { StoreKind } from './credentials.js'
import type { Session } from './session.js'

/**
 * After register or login: the token pair goes to the credential store, and the profile
 * remembers its daemon URL and email (no secret in the config file).
 */
export async function rememberLogin(session: Session, tokens: TokenResponse): Promise<StoreKind> {
  const where = await session.saveLogin(tokens)
  const { config: dir } = resolvePaths()
  const config = readConfig(dir)
  config.profiles[session.target.profile] = { url: session.target.url, email: tokens.email }
  writeConfig(dir, config)
  return where
}
