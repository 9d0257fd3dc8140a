import { join } from 'node:path'
import envPaths from 'env-paths'

/** Where Ledger keeps its files. */
export interface LedgerPaths {
  /** Database, secret, daemon state and log. */
  readonly data: string
  /** CLI configuration and the credential fallback file. */
  readonly config: string
}

/**
 * Resolves Ledger's directories: `LEDGER_HOME` when set (tests always set it), otherwise the
 * platform's conventional locations from env-paths.
 */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): LedgerPaths {
  const home = env['LEDGER_HOME']
  if (home) return { data: join(home, 'data'), config: join(home, 'config') }
  const p = envPaths('ledger', { suffix: '' })
  return { data: p.data, config: p.config }
}

/** Files inside the data dir that both the daemon and `ledger daemon …` commands use. */
export function dataFiles(dataDir: string) {
  return {
    database: join(dataDir, 'ledger.db'),
    /** The full-text index (derived from the database, rebuilt when missing). */
    fulltext: join(dataDir, 'fulltext.db'),
    secret: join(dataDir, 'secret.key'),
    state: join(dataDir, 'daemon.json'),
    /** Held by the running daemon (its pid) from before it opens the database until it exits. */
    lock: join(dataDir, 'daemon.lock'),
    log: join(dataDir, 'daemon.log'),
  }
}
