import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { type DaemonState, isAlive, readLiveState, readState } from '../shared/daemon-state.js'
import { dataFiles } from '../shared/paths.js'

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
  const child = spawn(process.execPath, [o.binPath, 'daemon', 'run', ...o.args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: o.env,
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
    if (exited !== null) throw new Error(`the daemon exited (code ${exited}): ${lastErrorLine(logFile)}`)
    await sleep(50)
  }
  throw new Error(`the daemon did not start within ${(o.timeoutMs ?? 20_000) / 1000}s; see ${logFile}`)
}

/** The last error a daemon wrote to its log, for a start that failed. */
function lastErrorLine(logFile: string): string {
  try {
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').slice(-20).reverse()
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } }
        if ((entry.level ?? 0) >= 50) return entry.err?.message ?? entry.msg ?? line
      } catch {
        if (/error/i.test(line)) return line.replace(/^.*?Error:\s*/i, '')
      }
    }
    return lines[0] ?? 'no output'
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

export { readLiveState }
