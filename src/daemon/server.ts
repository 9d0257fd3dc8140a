import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { type DaemonState, readLiveState, readState } from '../shared/daemon-state.js'
import { dataFiles } from '../shared/paths.js'
import { buildApp } from './app.js'
import type { DaemonConfig } from './config.js'

/**
 * Runs the daemon in this process until SIGTERM/SIGINT: builds the app, listens, writes the
 * state file (pid, port, start time) and removes it on a clean close. A state file left by a
 * crash names a dead pid and is simply replaced.
 */
export async function runServer(config: DaemonConfig, version: string): Promise<void> {
  const running = readLiveState(config.dataDir)
  if (running) {
    throw new Error(
      `a Ledger daemon is already running for ${config.dataDir} (pid ${running.pid}, ${running.url})`,
    )
  }
  const { app } = await buildApp({ config })
  if (!['127.0.0.1', 'localhost', '::1'].includes(config.host)) {
    app.log.warn(`listening on ${config.host}: the API is reachable from other machines`)
  }
  await app.listen({ host: config.host, port: config.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const files = dataFiles(config.dataDir)
  const state: DaemonState = {
    pid: process.pid,
    host: config.host,
    port,
    url: `http://${host}:${port}`,
    started_at: new Date().toISOString(),
    version,
  }
  const tmp = `${files.state}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(state) + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, files.state)
  app.log.info(`Ledger daemon listening on ${state.url} (data: ${config.dataDir})`)

  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    app.log.info(`${signal} received; closing`)
    try {
      await app.close()
    } finally {
      // Only remove the state file if it is still ours.
      if (readState(config.dataDir)?.pid === process.pid) rmSync(files.state, { force: true })
      process.exit(0)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}
