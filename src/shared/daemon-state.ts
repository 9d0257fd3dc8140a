import { readFileSync } from 'node:fs'
import { dataFiles } from './paths.js'

/** What `daemon.json` in the data dir records about a running daemon. */
export interface DaemonState {
  pid: number
  host: string
  port: number
  url: string
  started_at: string
  version: string
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
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
 * crash or `kill -9` (its pid is gone), which never blocks a new start.
 */
export function readLiveState(dataDir: string): DaemonState | null {
  const state = readState(dataDir)
  return state && state.pid !== process.pid && isAlive(state.pid) ? state : null
}
