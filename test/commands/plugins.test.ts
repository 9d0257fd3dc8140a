import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { tempHome } from '../helpers/daemon.js'

// oclif's own plugins in the bundled binary (bin/run.js → dist/bundle/cli.cjs with its code
// cache): `ledger help <command>`, `ledger autocomplete`, and a mistyped command answered with
// the command meant. The real binary: these go through oclif's plugin loading, outside the
// commands the in-process tests run.

const home = tempHome()
// oclif's cache (the autocomplete scripts) inside the test's home, not the user's.
const opts = { home, env: { LEDGER_CACHE_DIR: join(home, 'cache') } }
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('a mistyped command', () => {
  test.each([
    ['keys crate', 'keys create'],
    ['projcts list', 'projects list'],
    ['whoamii', 'whoami'],
  ])('`ledger %s` says "did you mean `%s`?" (exit 2), never the internal id', async (typed, meant) => {
    const r = await runCli(opts, ...typed.split(' '))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`Error: \`${typed}\` is not a ledger command. Did you mean \`${meant}\`?`)
    if (typed.includes(' ')) expect(r.stderr).not.toContain(typed.replace(' ', ':'))
    expect(r.stdout).toBe('')
  })

  test('nothing near: no suggestion, a pointer to `ledger help`', async () => {
    const r = await runCli(opts, 'frobnicate')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('`frobnicate` is not a ledger command.\nRun `ledger help` for a list of commands.')
  })
})

test('`ledger help keys create` prints that command\'s help', async () => {
  const r = await runCli(opts, 'help', 'keys', 'create')
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain('$ ledger keys create')
  expect(r.stdout).toContain('--expires-in-days')
})

test.each(['bash', 'zsh'])('`ledger autocomplete script %s` prints a completion script for ledger', async (shell) => {
  const r = await runCli(opts, 'autocomplete', 'script', shell)
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain('LEDGER_AC_')
  const setup = await runCli(opts, 'autocomplete', shell)
  expect(setup.code, setup.stderr).toBe(0)
  expect(setup.stdout).toContain(`ledger autocomplete script ${shell}`)
})
