// The daemon the bench measures: `ledger daemon run` from the build (bin/run.js), in a process
// of its own, on a temp LEDGER_HOME.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { readState } from '../../src/shared/daemon-state.js'
import { BIN } from './paths.js'

/** The admin token of the bench's daemons (`x-admin-token`: pausing and resuming the queue). */
export const ADMIN = 'bench-admin-token-0123456789'

/** A daemon started by `startDaemon`. */
export interface RunningDaemon {
  child: ChildProcess
  /** Its process id (the child's, known once it has started). */
  pid: number
  url: string
}

/** Starts `ledger daemon run` on `home` with `env` added and `args` after its port. */
export type StartDaemon = (home: string, env?: NodeJS.ProcessEnv, args?: readonly string[]) => Promise<RunningDaemon>

/**
 * Starts `ledger daemon run --port 0` on `home` (admin token ADMIN, cheap scrypt), by default
 * with a queue that never fills; resolves once its state file names it, with its URL.
 */
export const startDaemon: StartDaemon = async (home, env = {}, args = ['--queue-capacity', '10000000']) => {
  const child = spawn(process.execPath, [BIN, 'daemon', 'run', '--port', '0', ...args], {
    env: {
      ...process.env,
      LEDGER_HOME: home,
      LEDGER_ADMIN_TOKEN: ADMIN,
      LEDGER_SCRYPT_LOG_N: '12',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (let i = 0; i < 400; i++) {
    const s = readState(join(home, 'data'))
    if (s && child.pid !== undefined && s.pid === child.pid) return { child, pid: child.pid, url: s.url }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('daemon did not start')
}

/** Sends SIGTERM to `child` and resolves once it has exited (at once if it already has). */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

/** A TCP port of 127.0.0.1 that was free a moment ago, for servers that cannot pick their own. */
export async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as { port: number }
  await new Promise((r) => s.close(r))
  return port
}
