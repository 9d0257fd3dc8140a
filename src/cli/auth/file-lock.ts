import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A lock between processes (and between commands run in one process, as the tests do): a file
 * created exclusively (`wx`). A lock older than `staleMs` was left by a crashed process and is
 * taken over.
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
