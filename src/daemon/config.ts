import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { parseHost } from '../shared/host-header.js'
import { resolvePaths } from '../shared/paths.js'

/** A comma-separated list (flag, environment) or a list (tests): trimmed, empty items dropped. */
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter((x) => x !== ''))

/** proxy-addr's names for address ranges, as Fastify's trustProxy takes them. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** An address, or a CIDR range (`10.0.0.0/8`, `fd00::/8`), or one of PROXY_RANGES. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.has(entry)) return true
  const [ip, bits, ...more] = entry.split('/')
  const version = isIP(ip ?? '')
  if (version === 0 || more.length > 0) return false
  if (bits === undefined) return true
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128)
}

/**
 * Fastify's `trustProxy`: `false` (the default: X-Forwarded-For is ignored), `true` (trust
 * every hop: only when nothing but the proxy can reach the daemon), a number of hops to trust,
 * or the proxies' addresses and CIDR ranges.
 */
const trustProxy = z
  .union([z.boolean(), z.number(), z.string(), z.array(z.string())])
  .transform((v, ctx): boolean | number | string[] => {
    if (typeof v === 'boolean') return v
    if (typeof v === 'number' || (typeof v === 'string' && /^\s*\d+\s*$/.test(v))) {
      const hops = Number(v)
      if (Number.isSafeInteger(hops) && hops >= 0 && hops <= 100) return hops
      ctx.addIssue({ code: 'custom', message: 'must be true, false, a number of hops (0-100) or a list of addresses' })
      return z.NEVER
    }
    if (typeof v === 'string' && ['true', 'false'].includes(v.trim().toLowerCase())) return v.trim().toLowerCase() === 'true'
    const entries = list.parse(v).map((e) => e.toLowerCase())
    const bad = entries.find((e) => !isProxyAddress(e))
    if (bad !== undefined || entries.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `'${bad ?? ''}' is not an IP address or CIDR range (or loopback, linklocal, uniquelocal)`,
      })
      return z.NEVER
    }
    return entries
  })

/** Why Redis alone is refused: it is for several daemons, and several daemons need one shared database. */
export const REDIS_NEEDS_POSTGRES =
  '--redis-url (LEDGER_REDIS_URL) needs --database-url (LEDGER_DATABASE_URL): one SQLite file is one daemon, ' +
  'and Redis only shares limits between daemons on one PostgreSQL'

/** Everything the daemon can be configured with, parsed once at start. */
export const DaemonConfigSchema = z.object({
  /** The bind address (`0.0.0.0` or `::` for every interface). */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * Names the daemon is reached by beyond loopback and its bind address (`host` or
   * `host:port`), for the Host-header check that keeps DNS rebinding out.
   */
  allowedHosts: list
    .refine((hosts) => hosts.every((h) => parseHost(h) !== null), {
      message: 'must be a comma-separated list of host or host:port',
    })
    .default([]),
  /** Which proxies' X-Forwarded-For (and -Proto) to believe: see `trustProxy` above. */
  trustProxy: trustProxy.default(false),
  port: z.coerce.number().int().min(0).max(65535).default(8000),
  /** The data directory (database, secret, state file, log). */
  dataDir: z.string().min(1),
  /**
   * A PostgreSQL URL (`postgres://user:pass@host:port/db`): the daemon stores everything there
   * instead of SQLite under the data dir. Never printed as given: `redactDatabaseUrl` hides the
   * password wherever the URL is shown.
   */
  databaseUrl: z
    .string()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), { message: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  /**
   * A Redis URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS) shared by the
   * daemons of a team: rate limits and the brute-force throttles are then counted across every
   * daemon. Only with `databaseUrl` (one SQLite file is one daemon). Its password is never shown.
   */
  redisUrl: z
    .string()
    .refine((u) => /^rediss?:\/\//.test(u), { message: 'must be a redis:// or rediss:// URL' })
    .optional(),
  /** `normal` survives a crash of the daemon; `full` also survives power loss (fsync per commit). */
  durability: z.enum(['normal', 'full']).default('normal'),
  /** Accepted-but-unprocessed logs a project may have before ingestion answers 503. */
  queueCapacity: z.coerce.number().int().positive().default(100_000),
  /**
   * Ingestion answers 503 while indexing would be more than this many seconds behind, every
   * project together (at the recent indexing rate): the backlog stays short however hard clients push.
   */
  maxIndexLagSeconds: z.coerce.number().int().min(1).max(3600).default(20),
  /** The bound on each database file's write-ahead log (MB), under any load. */
  walLimitMb: z.coerce.number().int().min(4).max(65536).default(256),
  /** `X-Admin-Token` for `/api/v1/admin/*`; unset → those routes answer 401. */
  adminToken: z.string().min(16).optional(),
  /** SMTP server for one-time codes (`smtp://user:pass@host:port` or `smtps://…`); unset → the log. */
  smtpUrl: z.string().url().optional(),
  /** The From address of those messages. */
  smtpFrom: z.string().default('ledger@localhost'),
  /** log2 of scrypt's N for new password hashes (OWASP: 17). Lower only for tests. */
  scryptLogN: z.coerce.number().int().min(10).max(20).default(17),
  /** Threads that decode large batch bodies (JSON + validation) off the main thread; 0 = inline. */
  decoderThreads: z.coerce
    .number()
    .int()
    .min(0)
    .max(16)
    .default(() => Math.min(2, Math.max(1, availableParallelism() - 1))),
  /** Start with the queue worker paused (accepting only): for benchmarks. */
  workerPaused: z
    .union([z.boolean(), z.enum(['0', '1', 'true', 'false'])])
    .transform((v) => v === true || v === '1' || v === 'true')
    .default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * The file the daemon's own log is appended to, and rotated in (`daemon start` sets it to
   * <data>/daemon.log); unset: stdout, never rotated.
   */
  logFile: z.string().min(1).optional(),
  /** Past this size (MB; fractions allowed) the log file is rotated. */
  logMaxMb: z.coerce.number().min(0.001).max(1_000_000).default(10),
  /** Rotated files kept: `daemon.log.1` (the newest) … `daemon.log.N`; older ones are deleted. */
  logFiles: z.coerce.number().int().min(1).max(100).default(4),
  /** Live tails send a heartbeat comment this often (below the 60 s idle-connection timeout). */
  tailHeartbeatMs: z.coerce.number().int().min(10).max(50_000).default(15_000),
  /** A live tail whose client has not drained its socket for this long is cut off. */
  tailStallMs: z.coerce.number().int().min(10).max(600_000).default(30_000),
  /**
   * Password hashes (login, registration) running or waiting at once; past it, 503 at once.
   * Two run at a time, ~0.7 s each: 6 means a real login waits ~2 s at worst under a flood.
   */
  maxPendingHashes: z.coerce.number().int().min(1).max(10_000).default(6),
  /** Failed logins one client address may make in 5 minutes, whatever the emails. */
  loginFailuresPerAddress: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Accounts one client address may register per hour. */
  registrationsPerHour: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Projects one account may have. */
  maxProjectsPerAccount: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Unrevoked API keys one project may have. */
  maxKeysPerProject: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Live tails one API key may hold open at once (past it: 429). */
  maxTailsPerKey: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Live tails one account may hold open at once, with its keys and tokens together (past it: 429). */
  maxTailsPerAccount: z.coerce.number().int().min(1).max(100_000).default(200),
}).superRefine((c, ctx) => {
  if (c.redisUrl !== undefined && c.databaseUrl === undefined) {
    ctx.addIssue({ code: 'custom', path: ['redisUrl'], message: REDIS_NEEDS_POSTGRES })
  }
})
export type DaemonConfig = z.infer<typeof DaemonConfigSchema>
export type DaemonConfigInput = z.input<typeof DaemonConfigSchema>

/** Builds the config from flags (which win) and the environment. */
export function loadConfig(
  flags: Partial<DaemonConfigInput>,
  env: NodeJS.ProcessEnv = process.env,
): DaemonConfig {
  const fromEnv: Partial<DaemonConfigInput> = {
    dataDir: resolvePaths(env).data,
    host: env['LEDGER_HOST'] || undefined,
    allowedHosts: env['LEDGER_ALLOWED_HOSTS'] || undefined,
    trustProxy: env['LEDGER_TRUST_PROXY'] || undefined,
    databaseUrl: env['LEDGER_DATABASE_URL'] || undefined,
    redisUrl: env['LEDGER_REDIS_URL'] || undefined,
    durability: env['LEDGER_DURABILITY'] as DaemonConfig['durability'] | undefined,
    queueCapacity: env['LEDGER_QUEUE_CAPACITY'] as unknown as number | undefined,
    maxIndexLagSeconds: env['LEDGER_MAX_INDEX_LAG'] as unknown as number | undefined,
    walLimitMb: env['LEDGER_WAL_LIMIT_MB'] as unknown as number | undefined,
    adminToken: env['LEDGER_ADMIN_TOKEN'] || undefined,
    smtpUrl: env['LEDGER_SMTP_URL'] || undefined,
    smtpFrom: env['LEDGER_SMTP_FROM'] || undefined,
    scryptLogN: env['LEDGER_SCRYPT_LOG_N'] as unknown as number | undefined,
    decoderThreads: env['LEDGER_DECODER_THREADS'] as unknown as number | undefined,
    workerPaused: env['LEDGER_WORKER_PAUSED'] as DaemonConfig['workerPaused'] | undefined,
    logLevel: env['LEDGER_LOG_LEVEL'] as DaemonConfig['logLevel'] | undefined,
    logFile: env['LEDGER_LOG_FILE'] || undefined,
    logMaxMb: env['LEDGER_LOG_MAX_MB'] as unknown as number | undefined,
    logFiles: env['LEDGER_LOG_FILES'] as unknown as number | undefined,
    tailHeartbeatMs: env['LEDGER_TAIL_HEARTBEAT_MS'] as unknown as number | undefined,
    tailStallMs: env['LEDGER_TAIL_STALL_MS'] as unknown as number | undefined,
    maxPendingHashes: env['LEDGER_MAX_PENDING_HASHES'] as unknown as number | undefined,
    loginFailuresPerAddress: env['LEDGER_LOGIN_FAILURES_PER_ADDRESS'] as unknown as number | undefined,
    registrationsPerHour: env['LEDGER_REGISTRATIONS_PER_HOUR'] as unknown as number | undefined,
    maxProjectsPerAccount: env['LEDGER_MAX_PROJECTS_PER_ACCOUNT'] as unknown as number | undefined,
    maxKeysPerProject: env['LEDGER_MAX_KEYS_PER_PROJECT'] as unknown as number | undefined,
    maxTailsPerKey: env['LEDGER_MAX_TAILS_PER_KEY'] as unknown as number | undefined,
    maxTailsPerAccount: env['LEDGER_MAX_TAILS_PER_ACCOUNT'] as unknown as number | undefined,
  }
  // A flag left unset must not hide its environment variable: drop the empty ones before merging.
  const defined = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined && v !== '')
  const merged = Object.fromEntries([...defined(fromEnv), ...defined(flags)])
  const r = DaemonConfigSchema.safeParse(merged)
  if (!r.success) {
    const issue = r.error.issues[0]!
    if (issue.message === REDIS_NEEDS_POSTGRES) throw new Error(`invalid daemon configuration: ${REDIS_NEEDS_POSTGRES}`)
    throw new Error(`invalid daemon configuration: ${issue.path.join('.')} ${issue.message}`)
  }
  return r.data
}

/**
 * A database URL as it may be shown (logs, daemon.json, health, errors): the password replaced
 * by `***`. A text that does not parse as a URL is not shown at all.
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    for (const k of [...u.searchParams.keys()]) if (/pass|secret|key/i.test(k)) u.searchParams.set(k, '***')
    return u.toString()
  } catch {
    return 'postgres://(unparseable URL)'
  }
}
