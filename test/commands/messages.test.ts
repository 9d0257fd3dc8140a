import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { expectCliError } from '../helpers/cli.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js'
import { ledger } from '../helpers/in-process.js'

// What the CLI says when something is wrong: the credential named for what it is, a key of
// another project refused, no raw zod or oclif text, errors on stderr also with --json.

let daemon: TestDaemon
let home: string
let a: Awaited<ReturnType<typeof accountWithKey>>
let b: Awaited<ReturnType<typeof accountWithKey>>

beforeAll(async () => {
  daemon = await startTestDaemon({}, { realClock: true })
  home = tempHome()
  a = await accountWithKey(daemon.client, 'alpha')
  b = await accountWithKey(daemon.client, 'beta')
  await a.keyClient.ingestBatch([log({ level: 'error', message: 'payment failed', error_message: 'card declined', timestamp: new Date().toISOString() })])
  await waitFor(async () => (await a.keyClient.queueDepth()).queue_depth === 0, 10_000, 'the worker to index')
})
afterAll(async () => {
  await daemon.close()
  rmSync(home, { recursive: true, force: true })
})

describe('credentials named for what they are', () => {
  test.each([['logs'], ['queue'], ['tail', '-n', '1']])('a garbage LEDGER_API_KEY is an "invalid API key" (exit 4): %s', async (...args) => {
    const r = await ledger({ home, url: daemon.url, env: { LEDGER_API_KEY: 'not-a-key' } }, ...args)
    expectCliError(r, 4, 'invalid API key in LEDGER_API_KEY')
    expect(r.stderr).not.toMatch(/access token/i)
  })

  test('a mistyped key (right prefix, wrong characters) is an "invalid API key" too', async () => {
    const typo = `${a.key.full_key.slice(0, -1)}${a.key.full_key.endsWith('x') ? 'y' : 'x'}`
    expectCliError(await ledger({ home, url: daemon.url, env: { LEDGER_API_KEY: typo } }, 'logs'), 4, 'invalid api key')
  })

  test('a key of project A with -p B is refused (exit 2), and nothing is read from or written to A', async () => {
    const keyA = a.key.full_key
    const opts = { home, url: daemon.url, env: { LEDGER_API_KEY: keyA } }
    // B by id: the key says its own.
    const byId = await ledger(opts, 'logs', '-p', String(b.project.project_id))
    expectCliError(byId, 2, `belongs to project id ${a.project.project_id}`)
    // B by slug, with no way to look the slug up: refused all the same.
    const bySlug = await ledger({ ...opts, input: 'should not arrive\n' }, 'ingest', '-p', 'beta')
    expectCliError(bySlug, 2, `belongs to project id ${a.project.project_id}`)
    const logs = await a.keyClient.logs({ q: 'arrive' })
    expect(logs.logs).toEqual([])
    // Its own project is fine.
    expect((await ledger(opts, 'logs', '-p', String(a.project.project_id))).code).toBe(0)
  })

  test('with a login, -p B is resolved and a key of A is refused naming B', async () => {
    const r = await ledger({ home, url: daemon.url, env: { LEDGER_TOKEN: b.account.access_token, LEDGER_API_KEY: a.key.full_key } }, 'logs', '-p', 'beta')
    expectCliError(r, 2, `belongs to project id ${a.project.project_id}, not to project 'beta' (id ${b.project.project_id})`)
  })
})

describe('output', () => {
  test('ledger logs shows error_message when error_type is empty', async () => {
    const r = await ledger({ home, url: daemon.url, env: { LEDGER_API_KEY: a.key.full_key } }, 'logs')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/payment failed.*card declined/)
  })

  test('no raw zod text reaches the user: a flag out of range names the flag and the rule', async () => {
    const r = await ledger({ home, url: daemon.url, env: { LEDGER_TOKEN: a.account.access_token } }, 'projects', 'update', 'alpha', '--retention-days', '0')
    expectCliError(r, 2, '--retention-days must be >= 1')
    expect(r.stderr).not.toMatch(/Too small|expected number/)
  })

  test("no oclif preamble: a missing required flag is one line naming the flag", async () => {
    const r = await ledger({ home, url: daemon.url, env: { LEDGER_TOKEN: a.account.access_token } }, 'keys', 'create', '-p', 'alpha')
    expectCliError(r, 2, 'missing required flag --name')
    expect(r.stderr).not.toMatch(/following error/i)
  })

  test('with --json an error is a JSON object on stderr, and stdout stays empty', async () => {
    const r = await ledger({ home, url: daemon.url, env: { LEDGER_API_KEY: a.key.full_key } }, 'logs', '--json', '"open')
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { message: expect.stringContaining('unbalanced quote'), exit_code: 2 } })
  })

  test('a bad query exits 2 (usage), before any request', async () => {
    expectCliError(await ledger({ home, url: daemon.url, env: { LEDGER_API_KEY: a.key.full_key } }, 'logs', 'a AND'), 2, 'the query')
    expectCliError(await ledger({ home, url: daemon.url, env: { LEDGER_API_KEY: a.key.full_key } }, 'tail', '-n', '1', 'NOT b'), 2, 'the query')
  })

  test('level filters take the aliases ingest reads (warn, err, fatal)', async () => {
    const opts = { home, url: daemon.url, env: { LEDGER_API_KEY: a.key.full_key } }
    const r = await ledger(opts, 'logs', '--level', 'err,fatal', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('payment failed')
    expect((await ledger(opts, 'logs', '--level', 'warn,warning,crit', '--json')).code).toBe(0)
    expectCliError(await ledger(opts, 'logs', '--level', 'loud'), 2, "--level 'loud'")
  })
})
