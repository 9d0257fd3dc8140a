import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from './atomic-write.js'

export const DEFAULT_PROFILE = 'default'
export const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/

const ProfileSchema = z.object({
  url: z.string().optional(),
  /** Who logged in last through this profile (shown by `auth status` when offline). */
  email: z.string().optional(),
  /** The project commands use when `--project` is not given (`ledger config set project`). */
  project: z.string().optional(),
})
export type Profile = z.infer<typeof ProfileSchema>

const ProfilesFileSchema = z.object({
  profiles: z.record(z.string(), ProfileSchema).default({}),
})
export type Profiles = z.infer<typeof ProfilesFileSchema>

/**
 * `config.json` in the config dir: the named profiles, each with the daemon URL it logged in
 * to and its email. No secret is ever written here (they go to the credential store).
 */
export class ProfileFile {
  readonly path: string

  constructor(configDir: string) {
    this.path = join(configDir, 'config.json')
  }

  /** The profiles, or none when the file does not exist; a corrupt file is an error. */
  read(): Profiles {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} }
      throw err
    }
    let json: unknown = null
    try {
      json = JSON.parse(text)
    } catch {
      // reported below, as any other content that is not a config file
    }
    const parsed = ProfilesFileSchema.safeParse(json)
    if (!parsed.success) throw new Error(`${this.path} is not a valid Ledger config file`)
    return parsed.data
  }

  /** Sets one profile's fields (the others are kept; a field set to undefined is removed). */
  update(name: string, profile: Profile): void {
    const all = this.read()
    all.profiles[name] = { ...all.profiles[name], ...profile }
    writeFileAtomic(this.path, `${JSON.stringify(all, null, 2)}\n`)
  }
}
