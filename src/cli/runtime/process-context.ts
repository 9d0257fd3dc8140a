import { spawn } from 'node:child_process'
import { isatty } from 'node:tty'
import chalk from 'chalk'
import { LedgerClient } from '../../client/index.js'
import { resolvePaths } from '../../shared/paths.js'
import { KeychainStore } from '../auth/keychain-store.js'
import { ProfileFile } from '../auth/profiles.js'
import type { CliContext, Env, StopSignal } from './context.js'
import { EXIT } from './errors.js'

/**
 * The context of a command run by a user: this process's environment, streams, signals and
 * OS keychain. The only code of the CLI that reads `process.env` or the standard streams.
 */
export function processContext(): CliContext {
  const env: Record<string, string | undefined> = { ...process.env }
  const paths = resolvePaths(env as NodeJS.ProcessEnv)
  const { stdout, stderr } = process
  // `ledger logs | head`: a reader that has gone away is not an error.
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok)
    throw err
  })
  const credentials = new KeychainStore(paths.config, { warn: (m) => stderr.write(`${chalk.yellow(m)}\n`) })
  return {
    env: env as Env,
    paths,
    profiles: new ProfileFile(paths.config),
    io: {
      // process.stdin opens the descriptor on first access: only commands that read it pay.
      get stdin() {
        return process.stdin
      },
      stdout,
      stderr,
      stdinIsTTY: isatty(0),
      stdoutIsTTY: Boolean(stdout.isTTY),
      stderrIsTTY: Boolean(stderr.isTTY),
      columns: () => (stdout.isTTY ? stdout.columns : undefined),
      rows: () => (stdout.isTTY ? stdout.rows : undefined),
      // chalk itself follows FORCE_COLOR and the terminal; NO_COLOR (no-color.org) is ours to honour.
      colour: !env['NO_COLOR'],
      setRawMode: (on) => {
        process.stdin.setRawMode(on)
      },
    },
    credentials,
    signals: {
      on(signal: StopSignal, handler: (signal: StopSignal) => void) {
        process.on(signal, handler)
        return () => {
          process.off(signal, handler)
        }
      },
    },
    newClient: (options) => new LedgerClient(options),
    startPager: (command, pagerEnv) => spawn('sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'], env: pagerEnv }),
    now: Date.now,
    terminate: (code) => process.exit(code),
    unsetEnv(names) {
      for (const name of names) {
        delete process.env[name]
        delete env[name]
      }
    },
    async close() {
      // A keychain call that hung holds a native thread that would keep the process alive.
      if (credentials.hung) setTimeout(() => process.exit(), 100).unref()
    },
  }
}
