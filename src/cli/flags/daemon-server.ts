import { Flags } from '@oclif/core'

/** The server's flags, shared by `daemon run` and `daemon start` (which passes them on). */
export const daemonServerFlags = {
  port: Flags.integer({
    description:
      'Port to listen on (0 picks a free one). Remembered for this data dir: later starts without --port use it again (default 8000).',
    min: 0,
    max: 65535,
  }),
  host: Flags.string({
    description:
      'Address to bind (default 127.0.0.1; env LEDGER_HOST). Anything but loopback exposes the API to the network; ' +
      '0.0.0.0 or :: listens on every interface.',
  }),
  'allowed-hosts': Flags.string({
    description:
      'Comma-separated host or host:port the daemon is reached by, beyond loopback and the bind address ' +
      '(env LEDGER_ALLOWED_HOSTS): any other Host header gets 403 (DNS-rebinding guard).',
  }),
  'trust-proxy': Flags.string({
    description:
      'Believe X-Forwarded-For/-Proto from these proxies (env LEDGER_TRUST_PROXY): true, false (default), ' +
      'a number of hops, or comma-separated addresses/CIDR ranges. The per-address throttles then count the client behind them.',
  }),
  'database-url': Flags.string({
    description:
      'Store everything in PostgreSQL (postgres://user:password@host:port/db) instead of SQLite under the data dir. ' +
      'Also LEDGER_DATABASE_URL. The password is never printed.',
  }),
  'redis-url': Flags.string({
    description:
      'Share rate limits and login/registration throttles with the other daemons on the same --database-url through ' +
      'this Redis (redis://[user:password@]host:port[/db], rediss:// for TLS). Also LEDGER_REDIS_URL. Needs --database-url. ' +
      'Redis down: per-instance limits (one warning), /check answers 503. The password is never printed.',
  }),
  durability: Flags.option({
    description: 'normal: a 202 survives a crash of the daemon; full: also power loss (fsync on every commit).',
    options: ['normal', 'full'] as const,
  })(),
  'queue-capacity': Flags.integer({
    description: 'Queued logs per project before ingestion answers 503.',
    min: 1,
  }),
  'max-index-lag': Flags.integer({
    description: 'Seconds indexing may fall behind (all projects together) before ingestion answers 503 (default 20).',
    min: 1,
    max: 3600,
  }),
  'wal-limit': Flags.integer({
    description: 'Bound on each database file\'s write-ahead log, in MB (default 256).',
    min: 4,
    max: 65536,
  }),
  'max-pending-hashes': Flags.integer({
    description: 'Password hashes (logins, registrations) running or waiting before the daemon answers 503 (default 6).',
    min: 1,
    max: 10_000,
  }),
  'login-failures-per-address': Flags.integer({
    description: 'Failed logins one client address may make in 5 minutes, whatever the emails (default 20).',
    min: 1,
    max: 1_000_000,
  }),
  'registrations-per-hour': Flags.integer({
    description: 'Accounts one client address may register per hour (default 20).',
    min: 1,
    max: 1_000_000,
  }),
  'max-projects-per-account': Flags.integer({
    description: 'Projects one account may have (default 100).',
    min: 1,
    max: 1_000_000,
  }),
  'max-keys-per-project': Flags.integer({
    description: 'Unrevoked API keys one project may have (default 100).',
    min: 1,
    max: 1_000_000,
  }),
  'max-tails-per-key': Flags.integer({
    description: 'Live tails one API key may hold open at once (past it: 429). Default 100.',
    min: 1,
    max: 100_000,
  }),
  'max-tails-per-account': Flags.integer({
    description: 'Live tails one account may hold open at once, all its keys and logins together. Default 200.',
    min: 1,
    max: 100_000,
  }),
}

/** The optional numeric flags and the config setting each one sets. */
const NUMERIC_SETTINGS = {
  'queue-capacity': 'queueCapacity',
  'max-index-lag': 'maxIndexLagSeconds',
  'wal-limit': 'walLimitMb',
  'max-pending-hashes': 'maxPendingHashes',
  'login-failures-per-address': 'loginFailuresPerAddress',
  'registrations-per-hour': 'registrationsPerHour',
  'max-projects-per-account': 'maxProjectsPerAccount',
  'max-keys-per-project': 'maxKeysPerProject',
  'max-tails-per-key': 'maxTailsPerKey',
  'max-tails-per-account': 'maxTailsPerAccount',
} as const

type ServerFlags = {
  port?: number
  host?: string
  'allowed-hosts'?: string
  'trust-proxy'?: string
  durability?: 'normal' | 'full'
  'database-url'?: string
  'redis-url'?: string
} & { [F in keyof typeof NUMERIC_SETTINGS]?: number }

/** The flags as `loadConfig` takes them (flags left unset are left out: env and defaults apply). */
export function serverFlagsToConfig(
  flags: ServerFlags,
): {
  port?: number
  host?: string
  allowedHosts?: string
  trustProxy?: string
  durability?: 'normal' | 'full'
  databaseUrl?: string
  redisUrl?: string
} & {
  [F in keyof typeof NUMERIC_SETTINGS as (typeof NUMERIC_SETTINGS)[F]]?: number
} {
  const config: Record<string, unknown> = {
    port: flags.port,
    host: flags.host,
    allowedHosts: flags['allowed-hosts'],
    trustProxy: flags['trust-proxy'],
    durability: flags.durability,
    databaseUrl: flags['database-url'],
    redisUrl: flags['redis-url'],
  }
  for (const [flag, key] of Object.entries(NUMERIC_SETTINGS)) {
    config[key] = flags[flag as keyof typeof NUMERIC_SETTINGS]
  }
  return config as ReturnType<typeof serverFlagsToConfig>
}

/**
 * The flags as `daemon start` passes them on to `daemon run` (only those that were set). The
 * database and Redis URLs are not among them: a command line is visible to every user of the machine (`ps`),
 * so it goes through the environment instead (`serverFlagsToEnv`).
 */
export function serverFlagsToArgs(flags: ServerFlags): string[] {
  const args = flags.port === undefined ? [] : ['--port', String(flags.port)]
  if (flags.host !== undefined) args.push('--host', flags.host)
  if (flags['allowed-hosts'] !== undefined) args.push('--allowed-hosts', flags['allowed-hosts'])
  if (flags['trust-proxy'] !== undefined) args.push('--trust-proxy', flags['trust-proxy'])
  if (flags.durability) args.push('--durability', flags.durability)
  for (const flag of Object.keys(NUMERIC_SETTINGS) as (keyof typeof NUMERIC_SETTINGS)[]) {
    const v = flags[flag]
    if (v !== undefined) args.push(`--${flag}`, String(v))
  }
  return args
}

/** What `daemon start` passes to `daemon run` in its environment: the database and Redis URLs, if given. */
export function serverFlagsToEnv(flags: ServerFlags): Record<string, string> {
  return {
    ...(flags['database-url'] ? { LEDGER_DATABASE_URL: flags['database-url'] } : {}),
    ...(flags['redis-url'] ? { LEDGER_REDIS_URL: flags['redis-url'] } : {}),
  }
}
