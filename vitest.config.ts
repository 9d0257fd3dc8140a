import { configDefaults, defineConfig } from 'vitest/config'

/**
 * The CLI's tests: its commands (run inside vitest, test/helpers/in-process.ts), its pieces and
 * the TUI's screen.
 */
const CLI_TESTS = ['test/commands/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/tui/**/*.test.tsx', 'test/tui/**/*.test.ts']

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two cores: more workers only make the daemon-spawning tests slower.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'cli',
          include: CLI_TESTS,
          // The command tests each import oclif, every command, the client and a test daemon:
          // one worker keeps them loaded from one file to the next (~1 s a file). They share no
          // state: each command gets a context, a LEDGER_HOME and a daemon of its own, and no
          // shared test module registers hooks or keeps state between files.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: [...configDefaults.exclude, ...CLI_TESTS],
        },
      },
    ],
  },
})
