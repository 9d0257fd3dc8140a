// (f) CLI start-up (issue #6): wall time of `ledger --version` and `ledger whoami` (logged in,
// against a running daemon) next to `node -e 0`, the floor any Node CLI pays.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readState } from '../../src/shared/daemon-state.js'
import { stopProcess } from './daemon.js'
import { BIN } from './paths.js'

const RUNS = Number(process.env['BENCH_CLI_RUNS'] ?? 15)

/** The commands timed, by the name printed. */
export type CliCommand = 'node -e 0' | 'ledger --version' | 'ledger whoami'

/** Median and 90th percentile of a command's wall times (ms). */
export interface WallStats {
  median: number
  p90: number
}

/**
 * The environments each command is timed in: as the bench was started (`asIs`) and, when
 * NODE_EXTRA_CA_CERTS is set, without it (`withoutExtraCerts`).
 */
export type CliVariant = 'asIs' | 'withoutExtraCerts'

function wall(args: readonly string[], env: NodeJS.ProcessEnv, input?: string): number {
  const t = performance.now()
  execFileSync(process.execPath, args, { env, input, stdio: ['pipe', 'ignore', 'ignore'] })
  return performance.now() - t
}

function stats(samples: readonly number[]): WallStats {
  const s = [...samples].sort((a, b) => a - b)
  return { median: s[Math.floor(s.length / 2)] ?? NaN, p90: s[Math.floor(s.length * 0.9)] ?? NaN }
}

export async function benchCliStart(): Promise<Partial<Record<CliVariant, Record<CliCommand, WallStats>>>> {
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-cli-'))
  const daemon = spawn(process.execPath, [BIN, 'daemon', 'run', '--port', '0'], {
    env: { ...process.env, LEDGER_HOME: home, LEDGER_SCRYPT_LOG_N: '12' },
    stdio: 'ignore',
  })
  try {
    let url: string | undefined
    for (let i = 0; i < 400 && !url; i++) {
      const s = readState(join(home, 'data'))
      if (s && s.pid === daemon.pid) url = s.url
      else await new Promise((r) => setTimeout(r, 50))
    }
    if (!url) throw new Error('daemon did not start')
    // The credential file store (no Secret Service is assumed here): what most CI machines use.
    const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_HOME: home, LEDGER_URL: url, DBUS_SESSION_BUS_ADDRESS: '' }
    wall([BIN, 'register', '--email', 'bench@example.com', '--name', 'Bench', '--password-stdin'], env, 'SecurePass123')
    // NODE_EXTRA_CA_CERTS makes Node read and parse that file before any script runs (~80 ms for
    // a system bundle, seen here): part of every start on such a machine, and of none elsewhere.
    // When it is set, each command is also timed without it, the two runs interleaved.
    const envs: Partial<Record<CliVariant, NodeJS.ProcessEnv>> = { asIs: env }
    if (process.env['NODE_EXTRA_CA_CERTS']) {
      const withoutExtraCerts = { ...env }
      delete withoutExtraCerts['NODE_EXTRA_CA_CERTS']
      envs.withoutExtraCerts = withoutExtraCerts
    }
    const variants = Object.entries(envs) as Array<[CliVariant, NodeJS.ProcessEnv]>
    const commands: Array<[CliCommand, string[]]> = [
      ['node -e 0', ['-e', '0']],
      ['ledger --version', [BIN, '--version']],
      ['ledger whoami', [BIN, 'whoami']],
    ]
    // Wall times by variant, then by command.
    const samples = new Map<CliVariant, Map<CliCommand, number[]>>(variants.map(([k]) => [k, new Map()]))
    for (const [name, args] of commands) {
      wall(args, env) // warm the page cache
      for (const [k] of variants) samples.get(k)?.set(name, [])
      for (let i = 0; i < RUNS; i++) for (const [k, e] of variants) samples.get(k)?.get(name)?.push(wall(args, e))
    }
    const out: Partial<Record<CliVariant, Record<CliCommand, WallStats>>> = {}
    for (const [k] of variants) {
      const of = (name: CliCommand): WallStats => stats(samples.get(k)?.get(name) ?? [])
      out[k] = { 'node -e 0': of('node -e 0'), 'ledger --version': of('ledger --version'), 'ledger whoami': of('ledger whoami') }
    }
    return out
  } finally {
    await stopProcess(daemon)
    rmSync(home, { recursive: true, force: true })
  }
}
