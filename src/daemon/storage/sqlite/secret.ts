import { randomBytes } from 'node:crypto'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'

/** Reads the 256-bit signing secret, creating it (mode 0600) at first start. */
export function loadOrCreateSecret(file: string): Uint8Array {
  try {
    const s = readFileSync(file)
    if (s.length >= 32) return new Uint8Array(s)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const secret = randomBytes(32)
  try {
    // 'wx': if another process created it first, use theirs, or tokens would not verify.
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecret(file)
    throw err
  }
  chmodSync(file, 0o600)
  return new Uint8Array(secret)
}
