import { SlugSchema } from '../../contract/projects.js'
import type { ProfileFile } from '../auth/profiles.js'
import { parseFlag } from '../flags/validate.js'

/** The settings `ledger config` reads and writes, per profile. */
export const CONFIG_KEYS = ['project'] as const
export type ConfigKey = (typeof CONFIG_KEYS)[number]

export interface ConfigResult {
  profile: string
  key: ConfigKey
  value: string | null
}

/** Sets a profile's setting (`project`: a slug, checked as the API checks slugs). */
export function setConfig(profiles: ProfileFile, profile: string, key: ConfigKey, value: string): ConfigResult {
  const slug = parseFlag('project', SlugSchema, value)
  profiles.update(profile, { [key]: slug })
  return { profile, key, value: slug }
}

export function getConfig(profiles: ProfileFile, profile: string, key: ConfigKey): ConfigResult {
  return { profile, key, value: profiles.read().profiles[profile]?.[key] ?? null }
}

export function unsetConfig(profiles: ProfileFile, profile: string, key: ConfigKey): ConfigResult {
  profiles.update(profile, { [key]: undefined })
  return { profile, key, value: null }
}
