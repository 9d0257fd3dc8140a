import { spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { testTempDir } from './tmp.js'
import { onFreePort, type ServerProcess, spawnServerProcess } from './server-process.js'
import { useServer } from './servers.js'

// A real Redis server for tests, from the machine's own install (Debian's `redis-server`
// package, /usr/bin/redis-server). Each server lives in a temp dir of the run, listens on
// 127.0.0.1 only, on a free port, and persists nothing (no RDB snapshots, no AOF): a stop loses
// everything, like a Redis used as a cache. A server left running by a killed test process is
// taken down by the `exit` hook below; a SIGKILLed test process leaves it to the run's end.

const READY = 'Ready to accept connections'
const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server']
/** The oldest Redis Ledger supports: 7 replicates scripts by their effects, so TIME is allowed in them. */
const MIN_MAJOR = 7

/** A Redis install the tests can use. */
export interface RedisInstall {
  /** Path of `redis-server`. */
  bin: string
  major: number
  version: string
}

/** The machine's `redis-server` (7 or newer), or why the tests that need one are skipped. */
export function findRedis(): RedisInstall | { skip: string } {
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  const onPath = which.status === 0 ? which.stdout.trim() : ''
  const bin = [onPath, ...CANDIDATES].find((p) => p !== '' && existsSync(p))
  if (!bin) return { skip: 'redis-server is not installed (apt-get install redis-server)' }
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  const version = /v=(\d+\.\d+\.\d+)/.exec(out.stdout ?? '')?.[1]
  if (out.status !== 0 || !version) return { skip: `${bin} --version failed: ${out.stderr}${out.stdout}` }
  const major = Number(version.split('.')[0])
  if (major < MIN_MAJOR) return { skip: `Redis ${version} is installed; Ledger needs ${MIN_MAJOR} or newer` }
  return { bin, major, version }
}

/** Why Redis tests are skipped on this machine, or null when they run. */
export function redisSkipReason(): string | null {
  const found = findRedis()
  return 'skip' in found ? found.skip : null
}

export interface RedisStartOptions {
  /** More `redis-server --name value` settings (e.g. `{ maxmemory: '10mb' }`). */
  settings?: Record<string, string>
}

export interface RedisServer {
  readonly host: '127.0.0.1'
  readonly port: number
  /** `redis://127.0.0.1:<port>` (database 0; append `/<n>` for another). */
  readonly url: string
  readonly version: string
  /** The server's temp dir (its working dir); removed by `stop`. */
  readonly dir: string
  /** The server's pid (while it runs; 0 when stopped). */
  readonly pid: number
  /** Whether the server runs (between `kill` or `stop` and `restart`, it does not). */
  readonly running: boolean
  /**
   * Stops the server as a crash would (SIGKILL) and waits until it is gone: clients see their
   * connection reset and every later connection refused, until `restart`.
   */
  kill(): Promise<void>
  /**
   * Starts the server again on the same port (stopping it first if it runs), empty: nothing is
   * persisted. Throws if the port was taken meanwhile.
   */
  restart(): Promise<void>
  /** Stops the server (if it runs) and removes its dir. */
  stop(): Promise<void>
}


/**
 * Starts a Redis server in a temp dir of its own, on a free port of 127.0.0.1 (Redis cannot
 * pick one itself: `--port 0` turns TCP off). One per test file is the intended use
 * (`useRedis` does it in beforeAll/afterAll); tests share it through distinct key prefixes or
 * database numbers.
 * @throws when Redis is not usable here (check `findRedis` / `redisSkipReason` first).
 */
export async function startRedis(opts: RedisStartOptions = {}): Promise<RedisServer> {
  const install = findRedis()
  if ('skip' in install) throw new Error(`Redis cannot run here: ${install.skip}`)
  const dir = testTempDir('ledger-redis-')
  const settings: Record<string, string> = {
    bind: '127.0.0.1',
    'protected-mode': 'yes',
    dir,
    // Nothing on disk: no RDB snapshots, no append-only file.
    save: '',
    appendonly: 'no',
    daemonize: 'no',
    // The log goes to stdout, which the harness reads (the ready line, errors).
    logfile: '',
    loglevel: 'notice',
    ...opts.settings,
  }

  let started: { port: number; proc: ServerProcess }
  try {
    started = await onFreePort((port) => spawnServer(install.bin, port, settings))
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const port = started.port
  let running: ServerProcess | undefined = started.proc
  return {
    host: '127.0.0.1',
    get port() {
      return port
    },
    get url() {
      return `redis://127.0.0.1:${port}`
    },
    version: install.version,
    dir,
    get pid() {
      return running?.child.pid ?? 0
    },
    get running() {
      return running !== undefined
    },
    async kill() {
      await running?.stop('SIGKILL')
      running = undefined
    },
    async restart() {
      await running?.stop('SIGTERM')
      running = undefined
      // The same port, or a failure: the URL handed out must stay right.
      running = await spawnServer(install.bin, port, settings)
    },
    async stop() {
      await running?.stop('SIGTERM')
      running = undefined
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Spawns `redis-server` and resolves once it accepts connections. */
function spawnServer(bin: string, port: number, settings: Record<string, string>): Promise<ServerProcess> {
  const args = ['--port', String(port)]
  for (const [k, v] of Object.entries(settings)) args.push(`--${k}`, v)
  return spawnServerProcess({
    name: 'redis-server',
    cmd: bin,
    args,
    env: { PATH: process.env['PATH'] },
    ready: READY,
    portTaken: /Address already in use|Could not create server TCP listening socket/,
    // SIGTERM: a clean shutdown (nothing to save). SIGKILL if that hangs.
    stopSignal: 'SIGTERM',
    escalateSignal: 'SIGKILL',
    graceMs: 10_000,
    exitSignal: 'SIGKILL',
  })
}

/** A Redis server for the test file (or describe block): see useServer. */
export function useRedis(opts: RedisStartOptions = {}): () => RedisServer {
  return useServer('Redis', () => startRedis(opts))
}
