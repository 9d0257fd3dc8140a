import { configDefaults, defineConfig } from 'vitest/config'

/**
 * The CLI's tests: its commands (run inside vitest, test/helpers/in-process.ts), its pieces and
 * the TUI's screen.
 */
const CLI_TESTS = ['test/commands/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/tui/**/*.test.tsx', 'test/tui/**/*.test.ts']

/** The end-to-end daemon tests that also run on PostgreSQL. */
const POSTGRES_TESTS = ['test/daemon/**/*.test.ts']

/**
 * SQLite-specific (the WAL and its bound, fulltext.db and damaged files, a full disk under the
 * data dir, a crash mid-write of the SQLite file), or whose subject no engine changes (config).
 */
const POSTGRES_EXCLUDED = [
  'test/daemon/wal.test.ts',
  'test/daemon/damaged-files.test.ts',
  'test/daemon/disk-full.test.ts',
  'test/daemon/crash.test.ts',
  'test/daemon/config.test.ts',
  'test/daemon/fulltext.test.ts',
  // Chooses its engine itself (PostgreSQL).
  'test/daemon/postgres-daemon.test.ts',
  'test/daemon/postgres-faults.test.ts',
]

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
          // The end-to-end daemon tests again, on PostgreSQL (test/helpers/test-storage.ts): a
          // server per file, a database per test daemon. The SQLite-specific files are left out
          // (POSTGRES_EXCLUDED); SQLite-specific tests inside the others skip themselves.
          name: 'postgres',
          include: POSTGRES_TESTS,
          exclude: [...configDefaults.exclude, ...POSTGRES_EXCLUDED],
          env: { LEDGER_TEST_STORAGE: 'postgres' },
          setupFiles: ['test/helpers/postgres-setup.ts'],
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
