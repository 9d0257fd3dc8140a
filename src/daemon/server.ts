import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { type DaemonState, isDaemonProcess, readLiveState, readState } from '../shared/daemon-state.js'
import { dataFiles } from '../shared/paths.js'
import { buildApp } from './app.js'
import { type DaemonConfig, redactDatabaseUrl } from './config.js'

/**
 * Runs the daemon in this process until SIGTERM/SIGINT: claims the data dir, builds the app,
 * listens, writes the state file (pid, port, start time) and removes both on a clean close. A
 * state or lock file left by a crash names a dead pid and is simply replaced.
 */
export async function runServer(config: DaemonConfig, version: string): Promise<void> {
  // stdout and stderr may be daemon.log on a full disk: a failed write there must not become an
  // uncaught error (the log itself goes through LogSink, which drops and counts).
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined)
  const running = readLiveState(config.dataDir)
  if (running) throw alreadyRunning(config.dataDir, running.pid, running.url)
  const release = claimDataDir(config.dataDir)
  const files = dataFiles(config.dataDir)
  let state: DaemonState
  let app: Awaited<ReturnType<typeof buildApp>>['app']
  try {
    app = (await buildApp({ config, version })).app
    if (!['127.0.0.1', 'localhost', '::1'].includes(config.host)) {
      app.log.warn(
        `listening on ${config.host}: the API is reachable from other machines` +
          (config.allowedHosts.length > 0 ? ` (as ${config.allowedHosts.join(', ')})` : ''),
      )
    }
    try {
      await app.listen({ host: config.host, port: config.port })
    } catch (err) {
      await app.close()
      throw err
    }
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    const host = config.host.includes(':') ? `[${config.host}]` : config.host
    state = {
      pid: process.pid,
      host: config.host,
      port,
      url: `http://${host}:${port}`,
      started_at: new Date().toISOString(),
      version,
      engine: config.databaseUrl ? 'postgres' : 'sqlite',
      database: config.databaseUrl ? redactDatabaseUrl(config.databaseUrl) : files.database,
    }
    // The handlers first: whoever reads the state file may signal this process at once.
    const running = app
    let closing = false
    const shutdown = async (signal: string) => {
      if (closing) return
      closing = true
      running.log.info(`${signal} received; closing`)
      try {
        await running.close()
      } finally {
        // Only remove the state file if it is still ours.
        if (readState(config.dataDir)?.pid === process.pid) rmSync(files.state, { force: true })
        release()
        process.exit(0)
      }
    }
    process.on('SIGTERM', () => void shutdown('SIGTERM'))
    process.on('SIGINT', () => void shutdown('SIGINT'))
    const tmp = `${files.state}.${process.pid}.tmp`
    try {
      writeFileSync(tmp, JSON.stringify(state) + '\n', { mode: 0o600 })
      chmodSync(tmp, 0o600)
      renameSync(tmp, files.state)
    } catch (err) {
      // A full disk: no half-written state file left behind, and the server does not stay up
      // unrecorded (nothing could find or stop it).
      rmSync(tmp, { force: true })
      await app.close()
      throw err
    }
  } catch (err) {
    release()
    throw err
  }
  app.log.info(`Ledger daemon listening on ${state.url} (data: ${config.dataDir}; storage: ${state.engine}, ${state.database})`)
}

function alreadyRunning(dataDir: string, pid: number, url?: string): Error {
  return new Error(`a Ledger daemon is already running for ${dataDir} (pid ${pid}${url ? `, ${url}` : ''})`)
}

/**
 * Makes this process the only daemon of the data dir, before it opens the database: an
 * exclusive lock file holding its pid. Without it two daemons started at once both pass the
 * state-file check, both serve (and migrate) the same database, and one of them is never
 * recorded, so `ledger daemon stop` cannot reach it. A lock whose pid is no live daemon is
 * taken over. Returns the function that releases the lock.
 */
function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const { lock } = dataFiles(dataDir)
  const holder = (): number | null => {
    try {
      return Number.parseInt(readFileSync(lock, 'utf8'), 10) || null
    } catch {
      return null
    }
  }
  // Written whole, then linked into place: link fails if the lock exists, and a reader never
  // sees a half-written pid.
  const tmp = `${lock}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 })
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, lock)
        return () => {
          if (holder() === process.pid) rmSync(lock, { force: true })
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const pid = holder()
      if (pid !== null && pid !== process.pid && isDaemonProcess(pid)) {
        throw alreadyRunning(dataDir, pid, readLiveState(dataDir)?.url)
      }
      rmSync(lock, { force: true })
    }
    throw new Error(`could not take the lock ${lock}`)
  } finally {
    rmSync(tmp, { force: true })
  }
}
