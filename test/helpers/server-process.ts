import { type ChildProcess, spawn } from 'node:child_process'
import { freePort } from './ports.js'

// What the real servers the tests start (redis.ts, postgres.ts) have in common: a child process
// whose log says when it is ready, on a free port of 127.0.0.1 taken again if another process
// bound it first, stopped with a signal that is escalated if the server hangs, and taken down
// with the test process if that one exits without stopping it.

/** A server process that is ready. */
export interface ServerProcess {
  child: ChildProcess
  /** Stops it (`signal`, or the server's usual one) and waits until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** The port was taken between our probe and the server's bind. */
export class PortTaken extends Error {}

export interface ServerProcessOptions {
  /** The server's name, in errors ("redis-server"). */
  name: string
  cmd: string
  args: string[]
  env: NodeJS.ProcessEnv
  /** The line of its log (stdout or stderr) that says it accepts connections. */
  ready: string
  /** What its log says when the port is taken. */
  portTaken: RegExp
  /** How `stop()` asks it to stop, and what follows if it has not after `graceMs`. */
  stopSignal: NodeJS.Signals
  escalateSignal: NodeJS.Signals
  graceMs: number
  /** What a test process that exits without stopping it sends it. */
  exitSignal: NodeJS.Signals
}

/** Spawns a server and resolves once its log says it is ready (PortTaken when the port was not free). */
export async function spawnServerProcess(o: ServerProcessOptions): Promise<ServerProcess> {
  const child = spawn(o.cmd, o.args, { env: o.env, stdio: ['ignore', 'pipe', 'pipe'] })
  // The last lines of the server's log, for error messages. Read to the end: a full pipe would
  // block the server.
  let log = ''
  let ready: (() => void) | undefined
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8000)
    if (ready && log.includes(o.ready)) ready()
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const onExit = () => child.kill(o.exitSignal)
  process.once('exit', onExit)
  void exited.then(() => process.off('exit', onExit))

  await new Promise<void>((resolve, reject) => {
    ready = () => {
      ready = undefined
      resolve()
    }
    child.once('error', reject)
    void exited.then(() => {
      const taken = o.portTaken.test(log)
      reject(taken ? new PortTaken(log) : new Error(`${o.name} exited before it was ready:\n${log}`))
    })
  })

  return {
    child,
    async stop(signal = o.stopSignal) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill(signal)
      const timer = setTimeout(() => child.kill(o.escalateSignal), o.graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

/**
 * Starts a server on a free port: `spawnAt(port)`, on another free port when that one was taken
 * meanwhile (up to 5 tries). Returns the port and what `spawnAt` returned.
 */
export async function onFreePort<P>(spawnAt: (port: number) => Promise<P>): Promise<{ port: number; proc: P }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    try {
      return { port, proc: await spawnAt(port) }
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt >= 4) throw err
    }
  }
}
