import type { DaemonConfigInput } from '../../src/daemon/config.js'
import { startTestDaemon, type TestDaemon } from './daemon.js'
import type { PostgresServer } from './postgres.js'

/** Several daemons on one PostgreSQL database, as a team runs them behind a load balancer. */
export interface TestCluster {
  /** The database every daemon runs on. */
  databaseUrl: string
  daemons: TestDaemon[]
  close(): Promise<void>
}

/**
 * `n` real daemons (in this process, each with its own app, pool and bus connection, on its own
 * port) on one fresh database of `server`, on the real clock: what a tail, a revocation or a
 * queue on one of them does to the others goes through PostgreSQL only.
 */
export async function startCluster(
  server: () => PostgresServer,
  n = 3,
  overrides: Partial<DaemonConfigInput> = {},
): Promise<TestCluster> {
  const databaseUrl = await server().createDatabase()
  const daemons: TestDaemon[] = []
  try {
    // One after the other: the first migrates, the others find the schema made.
    for (let i = 0; i < n; i++) daemons.push(await startTestDaemon({ databaseUrl, ...overrides }, { realClock: true }))
  } catch (err) {
    await Promise.all(daemons.map((d) => d.close()))
    throw err
  }
  return {
    databaseUrl,
    daemons,
    async close() {
      await Promise.all(daemons.map((d) => d.close()))
    },
  }
}
