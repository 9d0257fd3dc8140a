import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from './config.js'

/** The keychain's service name for every Ledger credential. */
export const KEYCHAIN_SERVICE = 'ledger'
/** A keychain call that does not answer within this is taken as "no keychain". */
export const KEYCHAIN_TIMEOUT_MS = 3000

export type StoreKind = 'keychain' | 'file'

/** What `login` keeps for a daemon: the token pair and when the access token expires. */
export const StoredSessionSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  account_id: z.number().int(),
  email: z.string(),
  /** Unix ms. */
  expires_at: z.number(),
})
export type StoredSession = z.infer<typeof StoredSessionSchema>

const FallbackFileSchema = z.object({ entries: z.record(z.string(), z.string()) })

/**
 * The keychain "account" names. The session of the default profile is the daemon URL itself;
 * other profiles and project keys add a suffix, so none can collide.
 */
export const accountNames = {
  session: (url: string, profile: string) => (profile === 'default' ? url : `${url} profile=${profile}`),
  projectKey: (url: string, profile: string, project: string) =>
    `${url} project=${project}${profile === 'default' ? '' : ` profile=${profile}`}`,
}

interface KeyringEntry {
  getPassword(signal?: AbortSignal): Promise<string | null>
  setPassword(password: string, signal?: AbortSignal): Promise<void>
  deletePassword(signal?: AbortSignal): Promise<boolean>
}
type KeyringModule = { AsyncEntry: new (service: string, account: string) => KeyringEntry }

let keychainTimedOut = false
/** True once a keychain call hung: its native thread may keep the process alive after the command. */
export function keychainHung(): boolean {
  return keychainTimedOut
}

/**
 * Secrets in the OS keychain (`@napi-rs/keyring`: Secret Service, macOS Keychain, Windows
 * Credential Manager). When no keychain answers (headless Linux without a Secret Service, a
 * call taking more than 3 s), a 0600 file in the config dir takes its place, and the first
 * write to it in a process warns on stderr where the secret went.
 */
export class CredentialStore {
  private keychain: Promise<KeyringModule | null> | undefined
  private keychainError: string | undefined
  private warned = false
  readonly file: string

  constructor(
    private readonly configDir: string,
    private readonly warn: (message: string) => void,
    private readonly timeoutMs = KEYCHAIN_TIMEOUT_MS,
  ) {
    this.file = join(configDir, 'credentials.json')
  }

  /**
   * The file first: an entry there means the keychain failed when it was written (a write that
   * reaches the keychain removes the file's copy), so the file holds the newest value, and a
   * machine without a keychain never waits for one to fail (~2 s for a Secret Service that does
   * not answer) on every command.
   */
  async get(account: string): Promise<{ value: string; where: StoreKind } | null> {
    const fromFile = this.readFile().entries[account]
    if (fromFile !== undefined) return { value: fromFile, where: 'file' }
    const fromKeychain = await this.keychainCall((e, signal) => e.getPassword(signal), account)
    return fromKeychain.ok && fromKeychain.value ? { value: fromKeychain.value, where: 'keychain' } : null
  }

  async set(account: string, value: string): Promise<StoreKind> {
    const r = await this.keychainCall((e, signal) => e.setPassword(value, signal), account)
    if (r.ok) {
      // A copy left in the file from a time without keychain must not outlive the new one.
      await this.removeFromFile(account)
      return 'keychain'
    }
    await this.updateFile((entries) => {
      entries[account] = value
    })
    if (!this.warned) {
      this.warned = true
      this.warn(
        `Warning: no OS keychain available (${this.keychainError}); credentials stored in ${this.file} (mode 0600).`,
      )
    }
    return 'file'
  }

  async delete(account: string): Promise<void> {
    await this.keychainCall((e, signal) => e.deletePassword(signal), account)
    await this.removeFromFile(account)
  }

  private async keychainCall<T>(
    fn: (entry: KeyringEntry, signal: AbortSignal) => Promise<T>,
    account: string,
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    const mod = await this.loadKeychain()
    if (!mod) return { ok: false }
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs)
    })
    try {
      const entry = new mod.AsyncEntry(KEYCHAIN_SERVICE, account)
      const result = await Promise.race([fn(entry, controller.signal), timeout])
      if (result === 'timeout') {
        controller.abort()
        keychainTimedOut = true
        return this.disable(`the keychain did not answer within ${this.timeoutMs / 1000} s`)
      }
      return { ok: true, value: result }
    } catch (err) {
      return this.disable(describeKeyringError(err))
    } finally {
      clearTimeout(timer)
    }
  }

  /** After one failure the keychain is not asked again in this process (no repeated 3 s waits). */
  private disable(reason: string): { ok: false } {
    this.keychainError = reason
    this.keychain = Promise.resolve(null)
    return { ok: false }
  }

  private loadKeychain(): Promise<KeyringModule | null> {
    // A native addon, loaded on first use (require: the CLI runs as a CommonJS bundle).
    this.keychain ??= new Promise((resolve) => {
      try {
        resolve(createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule)
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

  private async removeFromFile(account: string): Promise<void> {
    let present = false
    try {
      present = this.readFile().entries[account] !== undefined
    } catch {
      present = false
    }
    if (present) {
      await this.updateFile((entries) => {
        delete entries[account]
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

/**
 * A lock between processes: a file created exclusively (`wx`). A lock older than `staleMs` was
 * left by a crashed process and is taken over.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => T | Promise<T>,
  opts: { waitMs?: number; staleMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.waitMs ?? 5000)
  const staleMs = opts.staleMs ?? 10_000
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 })
  for (;;) {
    try {
      closeSync(openSync(path, 'wx', 0o600))
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      try {
        if (Date.now() - statSync(path).mtimeMs > staleMs) unlinkSync(path)
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`could not take the lock ${path}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }
  try {
    return await fn()
  } finally {
    try {
      unlinkSync(path)
    } catch {
      // already gone
    }
  }
}
