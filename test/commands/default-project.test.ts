import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { expectCliError, json } from '../helpers/cli.js'
import { accountWithKey, log, PASSWORD, startTestDaemon, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js'
import { ledger } from '../helpers/in-process.js'

// A default project per profile (`ledger config set project SLUG`) and LEDGER_PROJECT, used
// where --project is not given.

let daemon: TestDaemon
let home: string
let a: Awaited<ReturnType<typeof accountWithKey>>

beforeAll(async () => {
  daemon = await startTestDaemon({}, { realClock: true })
  home = tempHome()
  a = await accountWithKey(daemon.client, 'alpha')
  await a.account.client.createProject({ name: 'Beta', slug: 'beta' })
  await a.keyClient.ingestBatch([log({ message: 'from alpha', timestamp: new Date().toISOString() })])
  await waitFor(async () => (await a.keyClient.queueDepth()).queue_depth === 0, 10_000, 'the worker to index')
  const r = await ledger({ home, url: daemon.url, input: `${PASSWORD}\n` }, 'login', '--email', a.account.email, '--password-stdin')
  expect(r.code, r.stderr).toBe(0)
})
afterAll(async () => {
  await daemon.close()
  rmSync(home, { recursive: true, force: true })
})

const run = (env: Record<string, string> = {}, ...args: string[]) => ledger({ home, url: daemon.url, env }, ...args)

describe('ledger config set project', () => {
  test('without a default, commands that need a project say how to set one (exit 2)', async () => {
    const r = await run({}, 'keys', 'create', '--name', 'k')
    expectCliError(r, 2, 'which project?')
    expect(r.stderr).toContain('ledger config set project SLUG')
    expectCliError(await run({}, 'logs'), 2, 'which project?')
  })

  test('set, get and unset, per profile, in config.json; a bad slug is refused', async () => {
    expect(json(await run({}, 'config', 'set', 'project', 'Alpha', '--json'))).toEqual({ profile: 'default', key: 'project', value: 'alpha' })
    expect((await run({}, 'config', 'get', 'project')).stdout.trim()).toBe('alpha')
    const file = JSON.parse(readFileSync(join(home, 'config', 'config.json'), 'utf8')) as { profiles: Record<string, { project?: string }> }
    expect(file.profiles['default']?.project).toBe('alpha')
    // Another profile has its own (none yet).
    expect(json(await run({}, 'config', 'get', 'project', '--profile', 'work', '--json'))).toMatchObject({ value: null })
    expectCliError(await run({}, 'config', 'set', 'project', 'no spaces!'), 2, 'project must contain only lowercase letters')
    expectCliError(await run({}, 'config', 'set', 'colour', 'x'), 2)
  })

  test('the default is used where --project is not given; --project and LEDGER_PROJECT win', async () => {
    expect((await run({}, 'config', 'set', 'project', 'alpha')).code).toBe(0)
    const logs = await run({}, 'logs')
    expect(logs.code, logs.stderr).toBe(0)
    expect(logs.stdout).toContain('from alpha')
    const created = json<{ project_slug: string }>(await run({}, 'keys', 'create', '--name', 'via-default', '--no-store', '--json'))
    expect(created.project_slug).toBe('alpha')
    // LEDGER_PROJECT over the profile's, --project over both.
    expect((await run({ LEDGER_PROJECT: 'beta' }, 'logs')).stderr).toContain('No logs match.')
    expect((await run({ LEDGER_PROJECT: 'beta' }, 'logs', '-p', 'alpha')).stdout).toContain('from alpha')
    // An API key names its own project: the default does not apply (nor refuse it).
    const other = await accountWithKey(daemon.client, 'gamma')
    const withKey = await run({ LEDGER_API_KEY: other.key.full_key }, 'logs')
    expect(withKey.code, withKey.stderr).toBe(0)
    expect((await run({}, 'config', 'unset', 'project')).code).toBe(0)
    expectCliError(await run({}, 'logs'), 2, 'which project?')
  })
})
