import { spawnSync } from 'node:child_process'
import { closeSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { testTempDir } from './tmp.js'

/** A small tmpfs of its own, to fill up: what a full disk looks like to the daemon. */
export interface Tmpfs {
  dir: string
  /** Writes a file until the file system refuses (ENOSPC): nothing is left free. */
  fill(): void
  /** Removes what fill() wrote: the space is back. */
  free(): void
  unmount(): void
}

/**
 * Mounts a tmpfs of `sizeMiB` on a fresh temp dir (root only, as in CI), or says why it cannot:
 * the test is then skipped with that reason.
 */
export function mountTmpfs(sizeMiB: number): Tmpfs | { skip: string } {
  if (process.platform !== 'linux') return { skip: 'tmpfs mounts need Linux' }
  if (process.getuid?.() !== 0) return { skip: 'mounting a tmpfs needs root (CI runs the tests as root)' }
  const dir = testTempDir('ledger-tmpfs-')
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' })
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    return { skip: `cannot mount a tmpfs here: ${(r.stderr || r.error?.message || `mount exited ${r.status}`).trim()}` }
  }
  const filler = join(dir, 'filler')
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a')
      const chunk = Buffer.alloc(64 * 1024)
      try {
        for (;;) {
          try {
            writeSync(fd, chunk)
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break
            throw err
          }
        }
        // The last pages: smaller writes until not even one byte fits.
        for (let size = 32 * 1024; size >= 1; size = Math.floor(size / 2)) {
          try {
            for (;;) writeSync(fd, chunk.subarray(0, size))
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
          }
        }
      } finally {
        closeSync(fd)
      }
    },
    free() {
      rmSync(filler, { force: true })
    },
    unmount() {
      spawnSync('umount', ['-l', dir])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
