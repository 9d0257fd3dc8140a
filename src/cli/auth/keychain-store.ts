import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from './atomic-write.js'
import { type CredentialStore, entryProfile, type StoreKind, type StoredSecret } from './credential-store.js'
import { withFileLock } from './file-lock.js'

/** The keychain's service name for every Ledger credential. */
export const KEYCHAIN_SERVICE = 'ledger'
/** A keychain call that does not answer within this is taken as "no keychain". */
export const KEYCHAIN_TIMEOUT_MS = 3000

const FallbackFileSchema = z.object({ entries: z.record(z.string(), z.string()) })

/** `@napi-rs/keyring`'s entry: the service and the entry name (which it calls "account"). */
interface KeyringEntry {
  getPassword(signal?: AbortSignal): Promise<string | null>
  setPassword(password: string, signal?: AbortSignal): Promise<void>
  deletePassword(signal?: AbortSignal): Promise<boolean>
}
export type KeyringModule = { AsyncEntry: new (service: string, entry: string) => KeyringEntry }

export interface KeychainStoreOptions {
  /** Says why nothing was stored in the keychain (a warning on stderr, once). */
  warn: (message: string) => void
  timeoutMs?: number
  /**
   * Loads the keychain module; throws when there is none. Default: `@napi-rs/keyring`, a native
   * addon loaded on first use (require: the CLI runs as a CommonJS bundle).
   */
  loadKeyring?: () => KeyringModule
}

const loadNapiKeyring = () => createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule

/**
 * Secrets in the OS keychain (`@napi-rs/keyring`: Secret Service, macOS Keychain, Windows
 * Credential Manager). When no keychain answers (headless Linux without a Secret Service, a
 * call taking more than 3 s), a 0600 file in the config dir takes its place, and the first
 * write to it in a process warns on stderr where the secret went.
 */
export class KeychainStore implements CredentialStore {
  private keychain: Promise<KeyringModule | null> | undefined
  private keychainError: string | undefined
  private warned = false
  private timedOut = false
  readonly file: string
  private readonly warn: (message: string) => void
  private readonly timeoutMs: number
  private readonly loadKeyring: () => KeyringModule

  constructor(configDir: string, options: KeychainStoreOptions) {
    this.file = join(configDir, 'credentials.json')
    this.warn = options.warn
    this.timeoutMs = options.timeoutMs ?? KEYCHAIN_TIMEOUT_MS
    this.loadKeyring = options.loadKeyring ?? loadNapiKeyring
  }

  /** True once a keychain call hung: its native thread may keep the process alive after the command. */
  get hung(): boolean {
    return this.timedOut
  }

  /**
   * The file first: an entry there means the keychain failed when it was written (a write that
   * reaches the keychain removes the file's copy), so the file holds the newest value, and a
   * machine without a keychain never waits for one to fail (~2 s for a Secret Service that does
   * not answer) on every command.
   */
  async get(entry: string): Promise<StoredSecret | null> {
    const fromFile = this.readFile().entries[entry]
    if (fromFile !== undefined) return { value: fromFile, where: 'file' }
    const fromKeychain = await this.keychainCall((e, signal) => e.getPassword(signal), entry)
    return fromKeychain.ok && fromKeychain.value ? { value: fromKeychain.value, where: 'keychain' } : null
  }

  async set(entry: string, value: string): Promise<StoreKind> {
    const r = await this.keychainCall((e, signal) => e.setPassword(value, signal), entry)
    if (r.ok) {
      // A copy left in the file from a time without keychain must not outlive the new one.
      await this.removeFromFile(entry)
      return 'keychain'
    }
    // Once per profile: only the first of its credentials to land in the file says so, not
    // every write of every command after it.
    const profile = entryProfile(entry)
    const firstOfProfile = !Object.keys(this.readFile().entries).some((e) => entryProfile(e) === profile)
    await this.updateFile((entries) => {
      entries[entry] = value
    })
    if (firstOfProfile && !this.warned) {
      this.warned = true
      this.warn(
        `Warning: no OS keychain available (${this.keychainError}); credentials stored in ${this.file} (mode 0600).`,
      )
    }
    return 'file'
  }

  async delete(entry: string): Promise<void> {
    await this.keychainCall((e, signal) => e.deletePassword(signal), entry)
    await this.removeFromFile(entry)
  }

  private async keychainCall<T>(
    fn: (entry: KeyringEntry, signal: AbortSignal) => Promise<T>,
    entry: string,
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    const mod = await this.keyringModule()
    if (!mod) return { ok: false }
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs)
    })
    try {
      const keyringEntry = new mod.AsyncEntry(KEYCHAIN_SERVICE, entry)
      const result = await Promise.race([fn(keyringEntry, controller.signal), timeout])
      if (result === 'timeout') {
        controller.abort()
        this.timedOut = true
        return this.disable(`the keychain did not answer within ${this.timeoutMs / 1000} s`)
      }
      return { ok: true, value: result }
    } catch (err) {
      return this.disable(describeKeyringError(err))
    } finally {
      clearTimeout(timer)
    }
  }

  /** After one failure the keychain is not asked again by this store (no repeated 3 s waits). */
  private disable(reason: string): { ok: false } {
    this.keychainError = reason
    this.keychain = Promise.resolve(null)
    return { ok: false }
  }

  private keyringModule(): Promise<KeyringModule | null> {
    this.keychain ??= new Promise((resolve) => {
      try {
        resolve(this.loadKeyring())
      } catch (err) {
        this.keychainError = `the keychain module did not load: ${(err as Error).message}`
        resolve(null)
      }
    })
    return this.keychain
  }

  private readFile(): z.infer<typeof FallbackFileSchema> {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: {} }
      throw err
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = null
    }
    const parsed = FallbackFileSchema.safeParse(json)
    if (!parsed.success) throw new Error(`${this.file} is corrupt; remove it and log in again`)
    return parsed.data
  }

  private updateFile(change: (entries: Record<string, string>) => void): Promise<void> {
    return withFileLock(`${this.file}.lock`, () => {
      const data = this.readFile()
      change(data.entries)
      writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`)
    })
  }

  private async removeFromFile(entry: string): Promise<void> {
    let present = false
    try {
      present = this.readFile().entries[entry] !== undefined
    } catch {
      present = false
    }
    if (present) {
      await this.updateFile((entries) => {
        delete entries[entry]
      })
    }
  }
}

function describeKeyringError(err: unknown): string {
  const message = (err as Error)?.message ?? String(err)
  // What @napi-rs/keyring says on Linux without a Secret Service on the session bus.
  if (/platform storage|AccessDenied|org\.freedesktop|dbus/i.test(message)) return `no Secret Service: ${message}`
  return message
}
