import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { resolvePaths } from '../shared/paths.js'

/** Everything the daemon can be configured with, parsed once at start. */
export const DaemonConfigSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8000),
  /** The data directory (database, secret, state file, log). */
  dataDir: z.string().min(1),
  /** `normal` survives a crash of the daemon; `full` also survives power loss (fsync per commit). */
  durability: z.enum(['normal', 'full']).default('normal'),
  /** Accepted-but-unprocessed logs a project may have before ingestion answers 503. */
  queueCapacity: z.coerce.number().int().positive().default(100_000),
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
  /** Live tails send a heartbeat comment this often (below the 60 s idle-connection timeout). */
  tailHeartbeatMs: z.coerce.number().int().min(10).max(50_000).default(15_000),
  /** A live tail whose client has not drained its socket for this long is cut off. */
  tailStallMs: z.coerce.number().int().min(10).max(600_000).default(30_000),
  /** Live tails one API key may hold open at once (past it: 429). */
  maxTailsPerKey: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Live tails one account may hold open at once, with its keys and tokens together (past it: 429). */
  maxTailsPerAccount: z.coerce.number().int().min(1).max(100_000).default(200),
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
    durability: env['LEDGER_DURABILITY'] as DaemonConfig['durability'] | undefined,
    queueCapacity: env['LEDGER_QUEUE_CAPACITY'] as unknown as number | undefined,
    adminToken: env['LEDGER_ADMIN_TOKEN'] || undefined,
    smtpUrl: env['LEDGER_SMTP_URL'] || undefined,
    smtpFrom: env['LEDGER_SMTP_FROM'] || undefined,
    scryptLogN: env['LEDGER_SCRYPT_LOG_N'] as unknown as number | undefined,
    decoderThreads: env['LEDGER_DECODER_THREADS'] as unknown as number | undefined,
    workerPaused: env['LEDGER_WORKER_PAUSED'] as DaemonConfig['workerPaused'] | undefined,
    logLevel: env['LEDGER_LOG_LEVEL'] as DaemonConfig['logLevel'] | undefined,
    tailHeartbeatMs: env['LEDGER_TAIL_HEARTBEAT_MS'] as unknown as number | undefined,
    tailStallMs: env['LEDGER_TAIL_STALL_MS'] as unknown as number | undefined,
    maxTailsPerKey: env['LEDGER_MAX_TAILS_PER_KEY'] as unknown as number | undefined,
    maxTailsPerAccount: env['LEDGER_MAX_TAILS_PER_ACCOUNT'] as unknown as number | undefined,
  }
  const merged = Object.fromEntries(
    Object.entries({ ...fromEnv, ...flags }).filter(([, v]) => v !== undefined && v !== ''),
  )
  const r = DaemonConfigSchema.safeParse(merged)
  if (!r.success) {
    const issue = r.error.issues[0]!
    throw new Error(`invalid daemon configuration: ${issue.path.join('.')} ${issue.message}`)
  }
  return r.data
}
