import { spawnSync } from 'node:child_process'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dataFiles } from './paths.js'

/** What `daemon.json` in the data dir records about a running daemon. */
export interface DaemonState {
  pid: number
  host: string
  port: number
  url: string
  started_at: string
  version: string
  /** The storage engine (absent in files written before it was recorded: SQLite). */
  engine?: 'sqlite' | 'postgres'
  /** Its database: the SQLite file, or the PostgreSQL URL without its password. */
  database?: string
}

/** What the OS says about a pid: its state letter (`Z` for a zombie) and its command line. */
interface ProcessInfo {
  state: string
  args: string[]
}

/**
 * Reads a process's state and command line: `/proc` on Linux, `ps` on other Unixes; null when
 * the OS cannot tell (Windows, a hidden `/proc`), and callers then trust `kill(pid, 0)`.
 */
function processInfo(pid: number): ProcessInfo | null {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // The command name in parentheses may itself hold spaces or parentheses.
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? ''
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
      return { state, args }
    } catch {
      return null
    }
  }
  if (process.platform === 'win32') return null
  const r = spawnSync('ps', ['-o', 'stat=', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
  const line = r.status === 0 ? r.stdout.trim() : ''
  if (!line) return null
  const [state = '', ...args] = line.split(/\s+/)
  return { state, args }
}

/** Whether `kill(pid, 0)` finds the process (EPERM: it exists but is not ours). */
function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Whether a process with this pid exists. A zombie (a process that has exited but that its
 * parent, often init in a container, has not reaped yet) is gone.
 */
export function isAlive(pid: number): boolean {
  return signalable(pid) && !processInfo(pid)?.state.startsWith('Z')
}

/**
 * Whether this pid is a live `ledger daemon run`. The state file outlives reboots, and its pid
 * may by then belong to an unrelated process, which must neither block a start nor be stopped.
 */
export function isDaemonProcess(pid: number): boolean {
  if (!signalable(pid)) return false
  const info = processInfo(pid)
  if (!info) return true
  return !info.state.startsWith('Z') && info.args.some((a, i) => a === 'daemon' && info.args[i + 1] === 'run')
}

/** The recorded state, alive or not, or null when there is no readable state file. */
export function readState(dataDir: string): DaemonState | null {
  try {
    return JSON.parse(readFileSync(dataFiles(dataDir).state, 'utf8')) as DaemonState
  } catch {
    return null
  }
}

/**
 * The state of a daemon running for this data dir, or null: no file, or a stale one left by a
 * crash, a `kill -9` or a reboot (its pid is gone or is another program), which never blocks a
 * new start.
 */
export function readLiveState(dataDir: string): DaemonState | null {
  const state = readState(dataDir)
  return state && state.pid !== process.pid && isDaemonProcess(state.pid) ? state : null
}

/** The port a daemon listens on when neither `--port` nor a remembered one says otherwise. */
export const DEFAULT_PORT = 8000

/** Where `daemon run --port N` remembers N for the data dir (beside daemon.json, kept after a stop). */
function settingsFile(dataDir: string): string {
  return join(dataDir, 'daemon-settings.json')
}

/**
 * The port the last `daemon run --port N` (or `daemon start --port N`, `npm start -- --port N`)
 * asked for in this data dir, or null: the next start without `--port` uses it again, and the
 * CLI looks for the daemon there when none is running.
 */
export function rememberedPort(dataDir: string): number | null {
  try {
    const port = (JSON.parse(readFileSync(settingsFile(dataDir), 'utf8')) as { port?: unknown }).port
    return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : null
  } catch {
    return null
  }
}

/** Remembers the port a daemon was started with (port 0, "any free one", is not remembered). */
export function rememberPort(dataDir: string, port: number): void {
  if (port <= 0) return
  const file = settingsFile(dataDir)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify({ port })}\n`, { mode: 0o600 })
  renameSync(tmp, file)
}

/** The port the next `ledger daemon start` without `--port` will listen on. */
export function startPort(dataDir: string): number {
  return rememberedPort(dataDir) ?? DEFAULT_PORT
}
