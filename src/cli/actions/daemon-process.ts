import { spawn } from 'node:child_process'
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, statfsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { type DaemonState, isAlive, readState } from '../../shared/daemon-state.js'
import { dataFiles } from '../../shared/paths.js'

export interface StartOptions {
  dataDir: string
  binPath: string
  /** Arguments after `daemon run`. */
  args: string[]
  env: NodeJS.ProcessEnv
  timeoutMs?: number
}

/**
 * Starts `ledger daemon run` detached, its output appended to the log file in the data dir,
 * and waits until it has written its state file (listening) or has exited.
 */
export async function startDetached(o: StartOptions): Promise<DaemonState> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 })
  const logFile = dataFiles(o.dataDir).log
  const fd = openSync(logFile, 'a', 0o600)
  // Only what this start writes says why it failed, not an older run's lines.
  const logStart = fstatSync(fd).size
  const child = spawn(process.execPath, [o.binPath, 'daemon', 'run', ...o.args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    // The daemon's log sink owns daemon.log (and rotates it); stdout and stderr stay on it for
    // what does not go through the log (a crash's stack).
    env: { ...o.env, LEDGER_LOG_FILE: logFile },
  })
  closeSync(fd)
  let exited: number | null = null
  child.on('exit', (code) => {
    exited = code ?? 1
  })
  child.unref()
  const deadline = Date.now() + (o.timeoutMs ?? 20_000)
  while (Date.now() < deadline) {
    const state = readState(o.dataDir)
    if (state && state.pid === child.pid) return state
    if (exited !== null) throw new Error(`the daemon exited (code ${exited}): ${whyItExited(o.dataDir, logFile, logStart)}`)
    await sleep(50)
  }
  throw new Error(`the daemon did not start within ${(o.timeoutMs ?? 20_000) / 1000}s; see ${logFile}`)
}

// Less free space than this where the daemon keeps its data: a failed start is put down to it.
const FULL_DISK_BYTES = 1024 * 1024

/**
 * Why a daemon that was starting exited: a full disk (its log, on that disk, may hold nothing),
 * else the last error it wrote to its log from `from` on.
 */
function whyItExited(dataDir: string, logFile: string, from: number): string {
  const logged = lastErrorLine(logFile, from)
  let free: number | null = null
  try {
    const s = statfsSync(dataDir)
    free = s.bavail * s.bsize
  } catch {
    // unknown: say what the log says
  }
  if ((free !== null && free < FULL_DISK_BYTES) || /ENOSPC|SQLITE_FULL|disk is full/i.test(logged)) {
    return `the disk holding ${dataDir} is full${free === null ? '' : ` (${free} bytes free)`}; free some space, then start it again`
  }
  return logged
}

/** The last error a daemon wrote to its log after byte `from`, for a start that failed. */
function lastErrorLine(logFile: string, from: number): string {
  try {
    const lines = readFileSync(logFile).subarray(from).toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-20).reverse()
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } }
        if ((entry.level ?? 0) >= 50) return entry.err?.message ?? entry.msg ?? line
      } catch {
        if (/error/i.test(line)) return line.replace(/^.*?Error:\s*/i, '')
      }
    }
    return lines[0] ?? 'it wrote nothing to its log'
  } catch {
    return 'no log output'
  }
}

/** Sends SIGTERM and waits for the process to go; SIGKILL after the timeout. */
export async function stopProcess(pid: number, timeoutMs = 10_000): Promise<'stopped' | 'killed'> {
  if (!signal(pid, 'SIGTERM')) return 'stopped'
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped'
    await sleep(50)
  }
  return signal(pid, 'SIGKILL') ? 'killed' : 'stopped'
}

/** Sends a signal; false when the process has already gone (it may exit between checks). */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw err
  }
}
