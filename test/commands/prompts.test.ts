import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { expectCliError } from '../helpers/cli.js'
import { deadPort, PASSWORD, startTestDaemon, type TestDaemon, tempHome, uniqueEmail, waitFor } from '../helpers/daemon.js'
import { type InProcessRun, ledger, startLedger } from '../helpers/in-process.js'

// What `register` and `login` ask at a terminal: a weak password is asked again, login offers
// the profile's email, and neither asks anything of a daemon that is not there.

let daemon: TestDaemon
const homes: string[] = []
function home(): string {
  const h = tempHome()
  homes.push(h)
  return h
}

beforeAll(async () => {
  daemon = await startTestDaemon()
})
afterAll(async () => {
  await daemon.close()
  for (const h of homes) rmSync(h, { recursive: true, force: true })
})

/** Answers the prompt that ends with `question` once it is on stderr (the n-th such prompt). */
async function answer(run: InProcessRun, question: string, text: string, nth = 1): Promise<void> {
  await waitFor(() => run.stderr().split(question).length > nth || run.done(), 10_000, `the prompt ${question}`)
  await run.write(`${text}\r`)
}

const terminal = { stdin: true, stderr: true }

describe('register at a terminal', () => {
  test('a weak password is asked again, saying why, instead of ending the command', async () => {
    const opts = { home: home(), url: daemon.url, tty: terminal }
    const run = startLedger(opts, 'register', '--email', uniqueEmail('weak'), '--name', 'Ada')
    await answer(run, 'Password: ', 'short')
    await answer(run, 'Password: ', PASSWORD, 2)
    await answer(run, 'Password (again): ', PASSWORD)
    const r = await run.result
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('password must be at least 8 characters; try again')
  })

  test('three refused passwords end it (exit 2)', async () => {
    const run = startLedger({ home: home(), url: daemon.url, tty: terminal }, 'register', '--email', uniqueEmail('weak'), '--name', 'Ada')
    await answer(run, 'Password: ', 'short')
    await answer(run, 'Password: ', 'alllowercase1', 2)
    await answer(run, 'Password: ', 'ALLUPPER123', 3)
    expectCliError(await run.result, 2, 'password must contain a lowercase letter')
  })
})

describe('login', () => {
  test("offers the profile's email at a terminal, and uses it without one", async () => {
    const opts = { home: home(), url: daemon.url }
    const email = uniqueEmail('again')
    expect((await ledger({ ...opts, input: `${PASSWORD}\n` }, 'register', '--email', email, '--name', 'A', '--password-stdin')).code).toBe(0)
    // Without a terminal: the profile's email, the password from stdin.
    const plain = await ledger({ ...opts, input: `${PASSWORD}\n` }, 'login', '--password-stdin')
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toContain(email)
    // At a terminal: offered as the default; Enter takes it.
    const run = startLedger({ ...opts, tty: terminal }, 'login')
    await answer(run, `Email [${email}]: `, '')
    await answer(run, 'Password: ', PASSWORD)
    const r = await run.result
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(email)
  })

  test('with nothing listening, login and register say so before asking anything (exit 1)', async () => {
    const url = `http://127.0.0.1:${await deadPort()}`
    for (const cmd of ['login', 'register']) {
      const r = await ledger({ home: home(), url, tty: terminal }, cmd)
      expectCliError(r, 1, `cannot reach the Ledger daemon at ${url}`)
      expect(r.stderr).not.toMatch(/Email|Password/)
    }
  })
})
