// (f) CLI start-up (issue #6): wall time of `ledger --version` and `ledger whoami` (logged in,
// against a running daemon) next to `node -e 0`, the floor any Node CLI pays.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readState } from '../dist/shared/daemon-state.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = join(root, 'bin', 'run.js')
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15)

function wall(args, env, input) {
  const t = performance.now()
  execFileSync(process.execPath, args, { env, input, stdio: ['pipe', 'ignore', 'ignore'] })
  return performance.now() - t
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b)
  return { median: s[Math.floor(s.length / 2)], p90: s[Math.floor(s.length * 0.9)] }
}

export async function benchCliStart() {
  const home = mkdtempSync(join(tmpdir(), 'ledger-bench-cli-'))
  const daemon = spawn(process.execPath, [BIN, 'daemon', 'run', '--port', '0'], {
    env: { ...process.env, LEDGER_HOME: home, LEDGER_SCRYPT_LOG_N: '12' },
    stdio: 'ignore',
  })
  try {
    let url
    for (let i = 0; i < 400 && !url; i++) {
      const s = readState(join(home, 'data'))
      if (s && s.pid === daemon.pid) url = s.url
      else await new Promise((r) => setTimeout(r, 50))
    }
    if (!url) throw new Error('daemon did not start')
    // The credential file store (no Secret Service is assumed here): what most CI machines use.
    const env = { ...process.env, LEDGER_HOME: home, LEDGER_URL: url, DBUS_SESSION_BUS_ADDRESS: '' }
    wall([BIN, 'register', '--email', 'bench@example.com', '--name', 'Bench', '--password-stdin'], env, 'SecurePass123')
    // NODE_EXTRA_CA_CERTS makes Node read and parse that file before any script runs (~80 ms for
    // a system bundle, seen here): part of every start on such a machine, and of none elsewhere.
    // When it is set, each command is also timed without it, the two runs interleaved.
    const envs = { asIs: env }
    if (process.env.NODE_EXTRA_CA_CERTS) {
      envs.withoutExtraCerts = { ...env }
      delete envs.withoutExtraCerts.NODE_EXTRA_CA_CERTS
    }
    const out = Object.fromEntries(Object.keys(envs).map((k) => [k, {}]))
    for (const [name, args] of [
      ['node -e 0', ['-e', '0']],
      ['ledger --version', [BIN, '--version']],
      ['ledger whoami', [BIN, 'whoami']],
    ]) {
      wall(args, env) // warm the page cache
      const samples = Object.fromEntries(Object.keys(envs).map((k) => [k, []]))
      for (let i = 0; i < RUNS; i++) for (const [k, e] of Object.entries(envs)) samples[k].push(wall(args, e))
      for (const k of Object.keys(envs)) out[k][name] = stats(samples[k])
    }
    return out
  } finally {
    daemon.kill('SIGTERM')
    await new Promise((r) => daemon.once('exit', r))
    rmSync(home, { recursive: true, force: true })
  }
}
