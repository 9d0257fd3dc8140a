import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'

export const DEFAULT_URL = 'http://127.0.0.1:8000'
export const DEFAULT_PROFILE = 'default'

const ProfileSchema = z.object({
  url: z.string().optional(),
  /** Who logged in last through this profile (shown by `auth status` when offline). */
  email: z.string().optional(),
})
export type Profile = z.infer<typeof ProfileSchema>

const ConfigFileSchema = z.object({
  profiles: z.record(z.string(), ProfileSchema).default({}),
})
export type ConfigFile = z.infer<typeof ConfigFileSchema>

export const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/** `config.json` in the config dir: the named profiles, each with its daemon URL. */
export function configFile(configDir: string): string {
  return join(configDir, 'config.json')
}

/** The config file, or an empty one when it does not exist; a corrupt file is an error. */
export function readConfig(configDir: string): ConfigFile {
  let text: string
  try {
    text = readFileSync(configFile(configDir), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} }
    throw err
  }
  const parsed = ConfigFileSchema.safeParse(safeJson(text))
  if (!parsed.success) throw new Error(`${configFile(configDir)} is not a valid Ledger config file`)
  return parsed.data
}

export function writeConfig(configDir: string, config: ConfigFile): void {
  writeFileAtomic(configFile(configDir), `${JSON.stringify(config, null, 2)}\n`)
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/**
 * Writes a file so that a reader sees the old or the new content, never a mix: a temp file in
 * the same dir, created 0600 (secrets may be in it), fsynced, then renamed over the target.
 */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const fd = openSync(tmp, 'wx', 0o600)
  try {
    writeSync(fd, content)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    renameSync(tmp, path)
  } catch (err) {
    try {
      unlinkSync(tmp)
    } catch {
      // already gone
    }
    throw err
  }
}

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
 */
export function resolveTarget(
  flags: { url?: string; profile?: string },
  env: NodeJS.ProcessEnv,
  config: ConfigFile,
): Target {
  const profile = flags.profile ?? (env['LEDGER_PROFILE'] || DEFAULT_PROFILE)
  if (!PROFILE_NAME.test(profile)) {
    throw new Error(`profile name '${profile}' must be 1-64 letters, digits, '.', '_' or '-'`)
  }
  const saved = config.profiles[profile]?.url
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
