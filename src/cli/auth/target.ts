import type { Env } from '../runtime/context.js'
import { DEFAULT_PROFILE, PROFILE_NAME, type Profiles } from './profiles.js'

export const DEFAULT_URL = 'http://127.0.0.1:8000'

/** Where a command talks to: the profile it acts as, and that profile's daemon. */
export interface Target {
  profile: string
  url: string
  /** Where the URL came from, for `auth status`. */
  urlSource: 'flag' | 'env' | 'profile' | 'daemon' | 'default'
}

/** What the data dir says of the local daemon (see src/shared/daemon-state.ts). */
export interface LocalDaemon {
  /** The URL of the daemon running for this data dir (daemon.json), if one runs. */
  runningUrl?: string
  /** The port `ledger daemon start` will listen on (remembered, else 8000). */
  startPort: number
}

/**
 * Precedence, the usual one: `--url` flag, then `LEDGER_URL`, then the profile's saved URL,
 * then the daemon running for this data dir, then `http://127.0.0.1:<the port \`daemon
 * start\` will use>`. The profile is `--profile`, else `LEDGER_PROFILE`, else `default`.
 * @throws Error naming what is wrong (the caller makes it a usage error).
 */
export function resolveTarget(
  flags: { url?: string; profile?: string },
  env: Env,
  profiles: Profiles,
  local: LocalDaemon = { startPort: 8000 },
): Target {
  const profile = flags.profile ?? (env['LEDGER_PROFILE'] || DEFAULT_PROFILE)
  if (!PROFILE_NAME.test(profile)) {
    throw new Error(`profile name '${profile}' must be 1-64 letters, digits, '.', '_' or '-'`)
  }
  const saved = profiles.profiles[profile]?.url
  if (flags.url) return { profile, url: normaliseUrl(flags.url, '--url'), urlSource: 'flag' }
  if (env['LEDGER_URL']) return { profile, url: normaliseUrl(env['LEDGER_URL'], 'LEDGER_URL'), urlSource: 'env' }
  if (saved) return { profile, url: normaliseUrl(saved, 'the profile'), urlSource: 'profile' }
  if (local.runningUrl) return { profile, url: normaliseUrl(local.runningUrl, 'daemon.json'), urlSource: 'daemon' }
  return { profile, url: `http://127.0.0.1:${local.startPort}`, urlSource: 'default' }
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

/**
 * The form of a daemon URL that credentials are kept under: `localhost` and `127.0.0.1` (and
 * `[::1]`) on the same port are the same local daemon, so a login through one is found
 * through the other.
 */
export function credentialUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.hostname === 'localhost' || u.hostname === '[::1]') u.hostname = '127.0.0.1'
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`
  } catch {
    return url
  }
}

/**
 * The hint for a daemon that does not answer at `url`: the `ledger daemon start` command that
 * brings up a daemon there (with `--port` when that start would not listen there by itself).
 */
export function startHint(url: string, startPort: number): string {
  let port: string | null = null
  try {
    const u = new URL(url)
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
    if (!local) return `Is it running? Check the URL (--url, LEDGER_URL or the profile's).`
    port = u.port || (u.protocol === 'https:' ? '443' : '80')
  } catch {
    return 'Is it running? Start it with `ledger daemon start`.'
  }
  return Number(port) === startPort
    ? 'Is it running? Start it with `ledger daemon start`.'
    : `Is it running? Start it with \`ledger daemon start --port ${port}\`.`
}
