import { configDefaults, defineConfig } from 'vitest/config'

/**
 * The CLI's tests: its commands (run inside vitest, test/helpers/in-process.ts), its pieces and
 * the TUI's screen.
 */
const CLI_TESTS = ['test/commands/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/tui/**/*.test.tsx', 'test/tui/**/*.test.ts']

/**
 * The end-to-end daemon tests that also run on PostgreSQL: those whose subject goes through
 * storage (every store of the seam, the group commit, reads and full text, tails, retention,
 * stats). The others (HTTP conventions, fuzzing, throttles, security headers…) answer the
 * same whatever the engine and stay SQLite-only, so that `npm test` keeps under 10 minutes on
 * a 2-core machine (the whole daemon suite on PostgreSQL added ~9 minutes of test time).
 * `LEDGER_TEST_STORAGE=postgres npx vitest run --project postgres test/daemon/x.test.ts` runs
 * any other file on PostgreSQL too.
 */
const POSTGRES_TESTS = [
  'accounts',
  'api-keys',
  'ingest',
  'ingest-engine',
  'ingest-progress',
  'keys-api',
  'nul-text',
  'panel-data',
  'panels',
  'projects',
  'search',
  'stats',
  'tail-fanout',
].map((f) => `test/daemon/${f}.test.ts`)

/**
 * Never on PostgreSQL: SQLite-specific (the WAL and its bound, fulltext.db and damaged files, a
 * full disk under the data dir, a crash mid-write of the SQLite file), or choosing the engine
 * themselves.
 */
const POSTGRES_EXCLUDED = [
  'test/daemon/wal.test.ts',
  'test/daemon/damaged-files.test.ts',
  'test/daemon/disk-full.test.ts',
  'test/daemon/crash.test.ts',
  'test/daemon/fulltext.test.ts',
  'test/daemon/postgres-daemon.test.ts',
  'test/daemon/postgres-faults.test.ts',
  // PostgreSQL (and Redis) of their own: several daemons on one database (they skip where there is none).
  'test/daemon/redis-*.test.ts',
  'test/daemon/cluster-*.test.ts',
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
          // End-to-end daemon tests again, on PostgreSQL (test/helpers/test-storage.ts): a server
          // per file, a database per test daemon. SQLite-specific tests inside these files skip
          // themselves on PostgreSQL (`onPostgres`). A file named on the command line runs even
          // when it is not in the list.
          name: 'postgres',
          include: process.env['LEDGER_TEST_STORAGE'] === 'postgres' ? ['test/daemon/**/*.test.ts'] : POSTGRES_TESTS,
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
