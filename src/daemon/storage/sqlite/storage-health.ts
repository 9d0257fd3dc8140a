import { closeSync, type FSWatcher, fstatSync, openSync, statfsSync, statSync, watch } from 'node:fs'
import { dirname } from 'node:path'

// Below this much free space on the data dir's file system the daemon says it is full even
// before a write fails (SQLite needs room for WAL frames, the -shm index and checkpoints); a
// disk that was full counts as usable again once this much is free.
const LOW_SPACE_BYTES = 1024 * 1024
/** How often free space and the database file are looked at. */
const CHECK_MS = 1000
/** A write checks the database file again when the last look is older than this. */
const FILE_RECHECK_MS = 200
/** A write refused for lack of space: clients retry after this. */
export const DISK_FULL_RETRY_AFTER_S = 10

const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT'])

/** Whether `err` says the disk (or quota) is full: SQLite's SQLITE_FULL, or the system's ENOSPC. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && FULL_CODES.has(code)
}

/** What /health says about storage, and why. */
export interface StorageProblem {
  /** `disk_full` recovers by itself once there is room; `database_gone` needs a restart. */
  kind: 'disk_full' | 'database_gone'
  detail: string
}

interface Identity {
  dev: number
  ino: number
}

/**
 * Watches what the daemon's storage needs and would otherwise fail without a word: free space
 * on the data dir's file system (a write that fails with SQLITE_FULL/ENOSPC says so too), and
 * the database file itself, which someone may delete or replace while the daemon runs. SQLite
 * keeps writing to the open, deleted file: every log acknowledged from then on would vanish at
 * the next start. Looked at once a second, and at once when the file's inode changes (inotify on
 * the file, which only checkpoints write: no cost per request).
 */
export class StorageHealth {
  private fullSince: number | null = null
  private fullError: string | null = null
  private free: number | null = null
  private gone: string | null = null
  private lastFileCheck = 0
  private readonly identity: Identity
  /** Our own handle on the database file: its link count falls to 0 when it is deleted. */
  private readonly fd: number
  private timer: NodeJS.Timeout | undefined
  private watcher: FSWatcher | undefined

  constructor(
    private readonly file: string,
    private readonly now: () => number,
    private readonly log: { warn: (obj: unknown, msg: string) => void; error: (obj: unknown, msg: string) => void },
  ) {
    this.fd = openSync(file, 'r')
    const st = fstatSync(this.fd)
    this.identity = { dev: st.dev, ino: st.ino }
    this.check()
  }

  start(): void {
    this.timer = setInterval(() => this.check(), CHECK_MS)
    this.timer.unref()
    try {
      this.watcher = watch(this.file, { persistent: false }, () => this.checkFile())
      this.watcher.on('error', () => undefined)
    } catch {
      // No inotify (or a file system without it): the timer still looks every second.
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.watcher?.close()
    try {
      closeSync(this.fd)
    } catch {
      // already closed
    }
  }

  /**
   * A write failed: if for lack of space, the disk is full from now until there is room again.
   * Returns whether it was that.
   */
  noteError(err: unknown): boolean {
    if (!isDiskFull(err)) return false
    if (this.fullSince === null) {
      this.fullSince = this.now()
      this.log.error({ err: (err as Error).message }, `disk full: writes to ${dirname(this.file)} fail; they will work again once there is room`)
    }
    this.fullError = (err as Error).message
    return true
  }

  /** The problem to report, or null when storage is fine. */
  problem(): StorageProblem | null {
    if (this.gone) return { kind: 'database_gone', detail: this.gone }
    if (this.fullSince !== null || (this.free !== null && this.free < LOW_SPACE_BYTES)) {
      const free = this.free === null ? '' : ` (${this.free} bytes free)`
      return {
        kind: 'disk_full',
        detail: `Storage is full: the disk holding ${dirname(this.file)} is full${free}; free some space and it recovers by itself`,
      }
    }
    return null
  }

  /**
   * The 503 a write gets while the database file is gone (null otherwise). Before every write,
   * the link count of the open file (one fstat, about a microsecond): a deleted file is never
   * acknowledged into. Whether the path now names another file costs a stat more, so that is
   * looked at when the last look is more than FILE_RECHECK_MS old.
   */
  refusal(): { detail: string; retryAfter: number } | null {
    if (!this.gone) {
      if (performance.now() - this.lastFileCheck > FILE_RECHECK_MS) this.checkFile()
      else if (this.unlinked()) this.markGone(this.whyUnlinked())
    }
    if (!this.gone) return null
    return { detail: `${this.gone}; nothing can be stored until the daemon is restarted`, retryAfter: 60 }
  }

  /** Deep health's figures. */
  report(): Record<string, unknown> {
    const p = this.problem()
    return {
      status: p ? 'unhealthy' : 'healthy',
      free_bytes: this.free,
      disk_full_since: this.fullSince === null ? null : new Date(this.fullSince).toISOString(),
      last_disk_full_error: this.fullError,
      database_file: this.gone ? 'gone' : 'present',
      ...(p ? { detail: p.detail } : {}),
    }
  }

  /** Looks at free space and the database file now. */
  check(): void {
    try {
      const s = statfsSync(dirname(this.file))
      this.free = s.bavail * s.bsize
    } catch {
      this.free = null
    }
    if (this.fullSince !== null && this.free !== null && this.free >= LOW_SPACE_BYTES) {
      this.log.warn({ free_bytes: this.free }, 'disk space is available again; writes resume')
      this.fullSince = null
    }
    this.checkFile()
  }

  private checkFile(): void {
    this.lastFileCheck = performance.now()
    if (this.gone) return
    if (this.unlinked()) return this.markGone(this.whyUnlinked())
    try {
      const st = statSync(this.file)
      if (st.dev !== this.identity.dev || st.ino !== this.identity.ino) this.markGone('replaced by another file')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.markGone('moved away')
    }
  }

  /** The open file has no name left. */
  private unlinked(): boolean {
    try {
      return fstatSync(this.fd).nlink === 0
    } catch {
      return false
    }
  }

  /** The open file lost its name: to nothing, or to another file put in its place. */
  private whyUnlinked(): string {
    try {
      statSync(this.file)
      return 'replaced by another file'
    } catch {
      return 'deleted'
    }
  }

  private markGone(why: string): void {
    this.gone = `The database file ${this.file} was ${why} while the daemon runs`
    this.log.error({}, `${this.gone}: refusing writes (503) until the daemon is restarted`)
  }
}
