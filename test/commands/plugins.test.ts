import { spawnSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
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

// fish has no script from @oclif/plugin-autocomplete 3: `ledger autocomplete fish` makes one
// from the commands; a real fish (Debian's `fish`) completes with it.
const fish = spawnSync('fish', ['--version']).status === 0
describe('`ledger autocomplete fish`', () => {
  test('prints a completion script that says where to save it', async () => {
    const r = await runCli(opts, 'autocomplete', 'fish')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('# fish completion for ledger: save as ~/.config/fish/completions/ledger.fish')
    expect(r.stdout).toContain("complete -c ledger -n '__ledger_at keys' -a 'create'")
  })

  test.skipIf(!fish)(`fish completes topics, commands and flags with it${fish ? '' : ' (skipped: fish is not installed)'}`, async () => {
    const r = await runCli(opts, 'autocomplete', 'fish')
    const script = join(home, 'ledger.fish')
    writeFileSync(script, r.stdout)
    const complete = (line: string): string[] => {
      const out = spawnSync('fish', ['--no-config', '-c', `source ${script}; complete -C ${JSON.stringify(line)}`], { encoding: 'utf8' })
      expect(out.status, out.stderr).toBe(0)
      return out.stdout.split('\n').filter(Boolean)
    }
    expect(complete('ledger ke')).toEqual([expect.stringMatching(/^keys\tCreate, list, limit/)])
    expect(complete('ledger keys cr')).toEqual([expect.stringMatching(/^create\tCreate an API key/)])
    expect(complete('ledger daemon ').map((l) => l.split('\t')[0])).toEqual(['logs', 'run', 'start', 'status', 'stop'])
    expect(complete('ledger logs --lev')).toEqual([expect.stringMatching(/^--level\t/)])
    // A flag's value is not a file name; a topic's subcommand does not get its parent's flags.
    expect(complete('ledger logs --level ')).toEqual([])
    expect(complete('ledger autocomplete fish --').map((l) => l.split('\t')[0])).not.toContain('--refresh-cache')
  })
})
