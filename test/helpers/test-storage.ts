import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll } from 'vitest'
import { migrate } from '../../src/daemon/storage/postgres/migrations.js'
import { type PostgresServer, startPostgres } from './postgres.js'

// Which engine the end-to-end tests run on: SQLite (the default), or PostgreSQL with
// LEDGER_TEST_STORAGE=postgres (the `postgres` project of vitest.config.ts). On PostgreSQL each
// test file gets a server of its own (started on first use, stopped after the file), and each
// test daemon a fresh database copied from a migrated template (a copy costs ~50 ms, migrating
// ~300 ms).

export const TEST_STORAGE: 'sqlite' | 'postgres' = process.env['LEDGER_TEST_STORAGE'] === 'postgres' ? 'postgres' : 'sqlite'
export const onPostgres = TEST_STORAGE === 'postgres'

interface Shared {
  server: PostgresServer
  role: string
  password: string
}

let shared: Promise<Shared> | undefined
let databases = 0

async function start(): Promise<Shared> {
  // fsync off: a commit still waits for its WAL write (synchronous_commit stays on).
  const server = await startPostgres({ fsync: false })
  const role = 'ledger_owner'
  // Characters a URL must percent-encode: the daemon must never print it.
  const password = `p@ss:w/rd%${randomBytes(9).toString('base64url')}`
  await server.admin(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`)
  await server.admin(`CREATE DATABASE ledger_tpl OWNER ${role}`)
  const client = new pg.Client({ host: server.host, port: server.port, user: role, password, database: 'ledger_tpl' })
  await client.connect()
  try {
    await migrate(client)
  } finally {
    await client.end()
  }
  return { server, role, password }
}

/** The file's PostgreSQL server (started on first use; stopped once the file's tests are done). */
export async function testPostgres(): Promise<Shared> {
  shared ??= start()
  return shared
}

/** A fresh, migrated database for one test daemon: its URL (with the password). */
export async function freshDatabaseUrl(): Promise<string> {
  const s = await testPostgres()
  const name = `ledger_t${++databases}`
  await s.server.admin(`CREATE DATABASE ${name} TEMPLATE ledger_tpl OWNER ${s.role}`)
  return `postgres://${s.role}:${encodeURIComponent(s.password)}@${s.server.host}:${s.server.port}/${name}`
}

/** For vitest's setupFiles of the postgres project: the file's server stops after its tests. */
export function stopTestPostgresAfterAll(): void {
  afterAll(async () => {
    const s = shared
    shared = undefined
    if (s) await (await s).server.stop()
  })
}
