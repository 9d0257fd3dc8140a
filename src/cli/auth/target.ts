import type { Env } from '../runtime/context.js'
import { DEFAULT_PROFILE, PROFILE_NAME, type Profiles } from './profiles.js'

export const DEFAULT_URL = 'http://127.0.0.1:8000'

/** Where a command talks to: the profile it acts as, and that profile's daemon. */
export interface Target {
  profile: string
  url: string
  /** Where the URL came from, for `auth status`. */
  urlSource: 'flag' | 'env' | 'profile' | 'default'
}

/**
 * Precedence, the usual one: `--url` flag, then `LEDGER_URL`, then the profile's saved URL,
 * then the default. The profile is `--profile`, else `LEDGER_PROFILE`, else `default`.
 * @throws Error naming what is wrong (the caller makes it a usage error).
 */
export function resolveTarget(flags: { url?: string; profile?: string }, env: Env, profiles: Profiles): Target {
  const profile = flags.profile ?? (env['LEDGER_PROFILE'] || DEFAULT_PROFILE)
  if (!PROFILE_NAME.test(profile)) {
    throw new Error(`profile name '${profile}' must be 1-64 letters, digits, '.', '_' or '-'`)
  }
  const saved = profiles.profiles[profile]?.url
  if (flags.url) return { profile, url: normaliseUrl(flags.url, '--url'), urlSource: 'flag' }
  if (env['LEDGER_URL']) return { profile, url: normaliseUrl(env['LEDGER_URL'], 'LEDGER_URL'), urlSource: 'env' }
  if (saved) return { profile, url: normaliseUrl(saved, 'the profile'), urlSource: 'profile' }
  return { profile, url: DEFAULT_URL, urlSource: 'default' }
}

/** `http(s)://host[:port]` without a trailing slash; anything else is refused up front. */
export function normaliseUrl(value: string, where: string): string {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new Error(`${where}: '${value}' is not a URL (expected e.g. ${DEFAULT_URL})`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`${where}: '${value}' must start with http:// or https://`)
  }
  if (u.username || u.password) throw new Error(`${where}: put no credentials in the URL`)
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`
}
