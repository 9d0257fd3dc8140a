import { configDefaults, defineConfig } from 'vitest/config'

/** The tests of the CLI's commands: they run the commands inside vitest (test/helpers/in-process.ts). */
const COMMAND_TESTS = 'test/commands/**/*.test.ts'

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
          name: 'commands',
          include: [COMMAND_TESTS],
          // Each of these files imports oclif, every command, the client and a test daemon:
          // one worker keeps them loaded from one file to the next (~1 s a file). They share no
          // state: each command gets a context, a LEDGER_HOME and a daemon of its own.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: [...configDefaults.exclude, COMMAND_TESTS],
        },
      },
    ],
  },
})
