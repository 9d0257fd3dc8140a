import { statSync } from 'node:fs'
import type { Database } from 'better-sqlite3'

/** What a keeper has done, for health figures. */
export interface WalReport {
  /** The WAL file's size now. */
  bytes: number
  /** Frames in the WAL at the last checkpoint, and how many of them it had copied. */
  frames: number
  checkpointed_frames: number
  /** Checkpoints run, and how many of them copied every frame (the WAL then starts again). */
  checkpoints: number
  complete: number
}

export interface WalKeeperOptions {
  /** With no commit for this long, the WAL is truncated to nothing (default 1 s). */
  idleMs?: number
}

/**
 * Keeps a WAL file small, on the connection of the only thread that writes that database file.
 *
 * SQLite's WAL starts again from its beginning only when a write begins after a checkpoint
 * copied every frame into the database and no reader still uses the WAL; a PASSIVE checkpoint
 * never waits for that. Run from another thread under a stream of commits, it never catches up,
 * and the WAL grows for as long as the load lasts (9 GB in 30 s here). On the writer's own thread,
 * between two of its write transactions, nothing can be committed while a checkpoint runs, so it
 * copies every frame (unless a reader holds an older snapshot: a moment at most), and the next
 * write starts the WAL again. `journal_size_limit` then truncates the file to a quarter of the
 * bound; when writes stop, a TRUNCATE checkpoint empties it.
 */
export class WalKeeper {
  private readonly idleMs: number
  private timer: NodeJS.Timeout | undefined
  private committed = false
  private sizeAt = 0
  private size = 0
  private readonly report: WalReport = { bytes: 0, frames: 0, checkpointed_frames: 0, checkpoints: 0, complete: 0 }

  constructor(
    private readonly db: Database,
    private readonly walFile: string,
    /** The bound on the WAL file's size. */
    readonly limitBytes: number,
    options: WalKeeperOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 1000
    db.pragma(`journal_size_limit = ${Math.floor(limitBytes / 4)}`)
    // Commits never checkpoint by themselves (inside a commit, at a moment nobody chose).
    db.pragma('wal_autocheckpoint = 0')
  }

  /** Starts the idle check. */
  start(): void {
    this.timer = setInterval(() => this.idle(), this.idleMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /**
   * Call right before a large write transaction on this connection: if the WAL holds more than
   * half its bound (the checkpointing thread fell behind, or a reader held it back), copy what is
   * left now, on this thread, so that the commit starts the WAL again instead of growing it.
   */
  beforeCommit(): void {
    if (this.fileSize(5) > this.limitBytes / 2) this.checkpoint('PASSIVE')
  }

  /** Call right after each commit of a write transaction on this connection. */
  afterCommit(): void {
    this.committed = true
  }

  /**
   * Copies what is left of the WAL now, between two writes: the daemon's main thread calls it when
   * the checkpointing thread, which copies the bulk, reports a WAL past an eighth of its bound.
   */
  finish(): void {
    this.checkpoint('PASSIVE')
  }

  /** The WAL file is past 90% of its bound: writers should wait (or be told to). */
  overLimit(): boolean {
    return this.fileSize(50) > this.limitBytes * 0.9
  }

  get status(): WalReport {
    return { ...this.report, bytes: this.fileSize(50) }
  }

  /** The WAL file's size, read at most every `maxAgeMs`. */
  private fileSize(maxAgeMs: number): number {
    const now = performance.now()
    if (now - this.sizeAt >= maxAgeMs) {
      this.sizeAt = now
      try {
        this.size = statSync(this.walFile).size
      } catch {
        this.size = 0
      }
    }
    return this.size
  }

  private checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): void {
    let r: { busy: number; log: number; checkpointed: number } | undefined
    try {
      ;[r] = this.db.pragma(`wal_checkpoint(${mode})`) as Array<{ busy: number; log: number; checkpointed: number }>
    } catch {
      // SQLITE_BUSY (a reader, or a checkpoint of another connection): the next one tries again.
      return
    }
    if (r === undefined) return
    this.report.checkpoints++
    if (r.busy === 0 && r.log === r.checkpointed) this.report.complete++
    this.report.frames = r.log
    this.report.checkpointed_frames = r.checkpointed
    this.sizeAt = 0
  }

  /** No commit since the last tick: empty the WAL file, without waiting for readers. */
  private idle(): void {
    const wrote = this.committed
    this.committed = false
    if (wrote || this.fileSize(0) === 0) return
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number
    this.db.pragma('busy_timeout = 0')
    try {
      this.checkpoint('TRUNCATE')
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`)
    }
  }
}
