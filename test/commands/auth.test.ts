import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { spawnSync } from 'node:child_process'
import { type CliOptions, cliEnv, expectCliError, json, runCli, startSecretService, startUnansweringSecretService } from '../helpers/cli.js'
import { BIN, PASSWORD, startTestDaemon, type TestDaemon, tempHome, uniqueEmail, waitFor } from '../helpers/daemon.js'
import { type InProcessOptions, ledger } from '../helpers/in-process.js'

// `ledger register/login/logout/whoami/auth …` against a real daemon: inside vitest (each
// command with a context of its own, its credentials in the 0600 file of its LEDGER_HOME, as
// on a machine without a Secret Service), and as the real binary where a terminal or a real
// Secret Service is what is tested.

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

/** Every file under dir, recursively, with its content. */
function filesUnder(dir: string): Array<{ path: string; content: string }> {
  const out: Array<{ path: string; content: string }> = []
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const path = join(e.parentPath, e.name)
      out.push({ path, content: readFileSync(path, 'utf8') })
    }
  }
  return out
}

/** A command in this process, its credentials in the file store (no keychain reachable). */
const inProc = (opts: InProcessOptions, ...args: string[]) => ledger({ store: 'file', ...opts }, ...args)

async function registeredInProc(opts: InProcessOptions, email = uniqueEmail('cli')) {
  const r = await inProc({ ...opts, input: `${PASSWORD}\n` }, 'register', '--email', email, '--name', 'Ada', '--password-stdin', '--json')
  return { email, result: json<{ account_id: number; credential_store: string }>(r), stderr: r.stderr }
}

async function registered(opts: CliOptions, email = uniqueEmail('cli')) {
  const r = await runCli({ ...opts, input: `${PASSWORD}\n` }, 'register', '--email', email, '--name', 'Ada', '--password-stdin', '--json')
  return { email, result: json<{ account_id: number; credential_store: string }>(r), stderr: r.stderr }
}

describe('without a Secret Service: the 0600 file', () => {
  test('register stores the session in a 0600 file, warns once where it went, and whoami works', async () => {
    const opts = { home: home(), url: daemon.url }
    const { email, result, stderr } = await registeredInProc(opts)
    expect(result.credential_store).toBe('file')
    const file = join(opts.home, 'config', 'credentials.json')
    expect(stderr.match(/Warning: no OS keychain available/g)).toHaveLength(1)
    expect(stderr).toContain(file)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(opts.home, 'config')).mode & 0o777).toBe(0o700)

    const me = json<{ email: string; projects: unknown[] }>(await inProc(opts, 'whoami', '--json'))
    expect(me.email).toBe(email)
    expect(me.projects).toEqual([])

    const status = json<Record<string, unknown>>(await inProc(opts, 'auth', 'status', '--json'))
    expect(status).toMatchObject({ logged_in: true, email, credential_store: 'file', credential_file: file, valid: true, url: daemon.url, url_source: 'env', profile: 'default' })
  })

  test('the keychain warning is told once per profile, not at every write of every command', async () => {
    const opts = { home: home(), url: daemon.url }
    const { stderr } = await registeredInProc(opts)
    expect(stderr).toContain('Warning: no OS keychain available')
    expect((await inProc(opts, 'projects', 'create', 'Warned')).code).toBe(0)
    const key = await inProc(opts, 'keys', 'create', '-p', 'warned', '--name', 'k')
    expect(key.code, key.stderr).toBe(0)
    expect(key.stderr).not.toContain('no OS keychain')
    // Another profile's first credential in the file says it again.
    const other = await inProc({ ...opts, input: `${PASSWORD}\n` }, 'register', '--profile', 'work', '--email', uniqueEmail('work'), '--name', 'W', '--password-stdin')
    expect(other.code, other.stderr).toBe(0)
    expect(other.stderr.match(/no OS keychain available/g)).toHaveLength(1)
  })

  test('login reads the password from stdin with one trailing newline stripped; CRLF too', async () => {
    const opts = { home: home(), url: daemon.url }
    const { email } = await registeredInProc(opts)
    for (const input of [`${PASSWORD}\n`, `${PASSWORD}\r\n`, PASSWORD]) {
      const r = await inProc({ ...opts, input }, 'login', '--email', email.toUpperCase(), '--password-stdin')
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain(`Logged in to ${daemon.url} as ${email}`)
    }
    // Only one newline is stripped: the password with a second one is another password.
    expectCliError(await inProc({ ...opts, input: `${PASSWORD}\n\n` }, 'login', '--email', email, '--password-stdin'), 4, 'invalid email or password')
  })

  test('a wrong password exits 4 with the daemon\'s message, one line, no stack', async () => {
    const opts = { home: home(), url: daemon.url }
    const { email } = await registeredInProc(opts)
    const r = await inProc({ ...opts, input: 'WrongPass123\n' }, 'login', '--email', email, '--password-stdin')
    expectCliError(r, 4, 'Invalid email or password')
  })

  test('flags are validated before any network call: bad email, weak password, no TTY to prompt', async () => {
    // The URL points nowhere: a network call would fail differently (exit 1, "cannot reach").
    const opts = { home: home(), url: 'http://127.0.0.1:1' }
    expectCliError(await inProc({ ...opts, input: 'x\n' }, 'login', '--email', 'not-an-email', '--password-stdin'), 2, '--email must be a valid email')
    expectCliError(
      await inProc({ ...opts, input: 'weakpass\n' }, 'register', '--email', 'a@example.com', '--name', 'A', '--password-stdin'),
      2,
      'password must contain an uppercase letter',
    )
    expectCliError(await inProc(opts, 'login', '--email', 'a@example.com'), 2, 'stdin is not a terminal')
    expectCliError(await inProc({ ...opts, input: '' }, 'login', '--email', 'a@example.com', '--password-stdin'), 2, 'stdin was empty')
    expectCliError(await inProc(opts, 'whoami', '--url', 'ftp://x'), 2, 'must start with http')
  })

  test('not logged in: whoami, auth token and auth status exit 4 and say how to log in', async () => {
    const opts = { home: home(), url: daemon.url }
    expectCliError(await inProc(opts, 'whoami'), 4, `not logged in to ${daemon.url}`)
    expectCliError(await inProc(opts, 'auth', 'token'), 4, 'not logged in')
    const status = await inProc(opts, 'auth', 'status', '--json')
    expect(status.code).toBe(4)
    expect(JSON.parse(status.stdout)).toMatchObject({ logged_in: false, credential_store: null, daemon_reachable: true })
    expect((await inProc(opts, 'whoami')).stderr).toContain('ledger login')
  })

  test('daemon not reachable: exit 1 with a hint to start it', async () => {
    const opts = { home: home(), url: daemon.url }
    await registeredInProc(opts)
    const r = await inProc({ ...opts, url: 'http://127.0.0.1:1' }, 'health')
    expectCliError(r, 1, 'cannot reach the Ledger daemon at http://127.0.0.1:1')
    expect(r.stderr).toContain('ledger daemon start')
    expect(r.stderr).not.toContain('    at ')
    // --debug shows the stack.
    expect((await inProc({ ...opts, url: 'http://127.0.0.1:1' }, 'health', '--debug')).stderr).toMatch(/\n\s+at /)
  })

  test('auth token prints the access token the daemon accepts', async () => {
    const opts = { home: home(), url: daemon.url }
    const { email } = await registeredInProc(opts)
    const r = await inProc(opts, 'auth', 'token')
    expect(r.code).toBe(0)
    const token = r.stdout.trim()
    const me = await daemon.client.withCredential(token).me()
    expect(me.email).toBe(email)
  })

  test('an access token the daemon refuses as expired is refreshed with the refresh token, and the new pair is stored', async () => {
    const opts = { home: home(), url: daemon.url }
    await registeredInProc(opts)
    const file = join(opts.home, 'config', 'credentials.json')
    const before = readFileSync(file, 'utf8')
    daemon.clock.advance(2 * 3600_000) // the daemon's clock: the stored access token has expired
    try {
      const r = await inProc(opts, 'whoami', '--json')
      expect(r.code, r.stderr).toBe(0)
      const after = readFileSync(file, 'utf8')
      expect(after).not.toBe(before)
      // The old refresh token was spent: the next command uses the new pair without refreshing.
      const again = await inProc(opts, 'whoami', '--json')
      expect(again.code, again.stderr).toBe(0)
      expect(readFileSync(file, 'utf8')).toBe(after)
    } finally {
      daemon.clock.advance(-2 * 3600_000)
    }
  })

  test('a stored access token past its expiry is refreshed before the request is sent', async () => {
    const opts = { home: home(), url: daemon.url }
    await registeredInProc(opts)
    const file = join(opts.home, 'config', 'credentials.json')
    const data = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, string> }
    const session = JSON.parse(data.entries[daemon.url]!) as { access_token: string; expires_at: number }
    const oldToken = session.access_token
    data.entries[daemon.url] = JSON.stringify({ ...session, expires_at: Date.now() - 1000 })
    writeFileSync(file, JSON.stringify(data))
    const r = await inProc(opts, 'auth', 'token')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).not.toBe(oldToken)
  })

  test('concurrent commands needing a refresh spend the refresh token once (no theft alarm)', async () => {
    const opts = { home: home(), url: daemon.url }
    await registeredInProc(opts)
    daemon.clock.advance(2 * 3600_000)
    try {
      const results = await Promise.all([1, 2, 3, 4].map(() => inProc(opts, 'whoami', '--json')))
      for (const r of results) expect(r.code, r.stderr).toBe(0)
      expect((await inProc(opts, 'whoami')).code).toBe(0)
    } finally {
      daemon.clock.advance(-2 * 3600_000)
    }
  })

  test('logout revokes the session on the daemon and removes the local credential', async () => {
    const opts = { home: home(), url: daemon.url }
    await registeredInProc(opts)
    const token = (await inProc(opts, 'auth', 'token')).stdout.trim()
    const r = await inProc(opts, 'logout', '--json')
    expect(json(r)).toMatchObject({ logged_out: true, revoked_on_server: true })
    const res = await daemon.client.withCredential(token).raw('GET', '/api/v1/accounts/me')
    expect(res.status).toBe(401)
    const file = JSON.parse(readFileSync(join(opts.home, 'config', 'credentials.json'), 'utf8')) as { entries: object }
    expect(Object.keys(file.entries)).toHaveLength(0)
    expectCliError(await inProc(opts, 'whoami'), 4, 'not logged in')
    // A second logout has nothing to do and says so.
    expect(json(await inProc(opts, 'logout', '--json'))).toMatchObject({ logged_out: false })
  })

  test('logout with the daemon down still removes the local credential and says the server was not told', async () => {
    const own = await startTestDaemon()
    const opts = { home: home(), url: own.url }
    await registeredInProc(opts)
    await own.close()
    const r = await inProc(opts, 'logout', '--json')
    expect(json(r)).toMatchObject({ logged_out: true, revoked_on_server: false })
    expect(r.stderr).toContain('could not revoke the session')
    const file = JSON.parse(readFileSync(join(opts.home, 'config', 'credentials.json'), 'utf8')) as { entries: object }
    expect(Object.keys(file.entries)).toHaveLength(0)
    // With nothing listening the user is told so (exit 1), not "not logged in" (#24 item 1).
    expectCliError(await inProc(opts, 'auth', 'token'), 1, `cannot reach the Ledger daemon at ${own.url}`)
  })

  test('LEDGER_TOKEN overrides the stored login, and stored credentials (refresh included) are not used', async () => {
    const opts = { home: home(), url: daemon.url }
    const { email } = await registeredInProc(opts)
    const other = await daemon.client.register({ email: uniqueEmail('ci'), password: PASSWORD, name: 'CI' })
    const me = json<{ email: string }>(await inProc({ ...opts, env: { LEDGER_TOKEN: other.access_token } }, 'whoami', '--json'))
    expect(me.email).toBe(other.email)
    expect(me.email).not.toBe(email)
    // A refused LEDGER_TOKEN is not "repaired" with the stored refresh token.
    const file = join(opts.home, 'config', 'credentials.json')
    const before = readFileSync(file, 'utf8')
    expectCliError(await inProc({ ...opts, env: { LEDGER_TOKEN: 'garbage' } }, 'whoami'), 4)
    expect(readFileSync(file, 'utf8')).toBe(before)
    const status = json<Record<string, unknown>>(await inProc({ ...opts, env: { LEDGER_TOKEN: other.access_token } }, 'auth', 'status', '--json'))
    expect(status).toMatchObject({ credential_store: 'LEDGER_TOKEN', valid: true })
  })

  test('profiles keep their own URL and credentials', async () => {
    const second = await startTestDaemon()
    try {
      const h = home()
      const a = await registeredInProc({ home: h, url: daemon.url })
      // The staging profile remembers the URL it logged in to; no LEDGER_URL needed later.
      const b = await registeredInProc({ home: h, env: { LEDGER_PROFILE: 'staging' }, url: second.url })
      expect(json<{ email: string }>(await inProc({ home: h }, 'whoami', '--json', '--profile', 'staging')).email).toBe(b.email)
      expect(json<{ email: string }>(await inProc({ home: h, env: { LEDGER_PROFILE: 'staging' } }, 'whoami', '--json')).email).toBe(b.email)
      expect(json<{ email: string }>(await inProc({ home: h }, 'whoami', '--json')).email).toBe(a.email)
      const status = json<Record<string, unknown>>(await inProc({ home: h }, 'auth', 'status', '--json', '--profile', 'staging'))
      expect(status).toMatchObject({ url: second.url, url_source: 'profile', profile: 'staging' })
      expectCliError(await inProc({ home: h }, 'whoami', '--profile', 'bad name!'), 2, 'profile name')
    } finally {
      await second.close()
    }
  })
})

describe('in a real terminal (tmux)', () => {
  const hasTmux = spawnSync('tmux', ['-V']).status === 0
  if (!hasTmux) console.warn('prompt tests skipped: tmux is not installed (apt-get install tmux)')

  test.skipIf(!hasTmux)('login prompts for the email and the password, and the password is never echoed', async () => {
    const opts = { home: home(), url: daemon.url }
    const { email } = await registered(opts)
    const socket = `ledger-prompt-${process.pid}-${Date.now()}`
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).stdout
    const env = cliEnv(opts)
    try {
      tmux(
        'new-session', '-d', '-s', 'p', '-x', '120', '-y', '20',
        ...['LEDGER_HOME', 'LEDGER_URL', 'NO_COLOR', 'PATH'].flatMap((v) => ['-e', `${v}=${env[v] ?? ''}`]),
        `${process.execPath} ${BIN} login; echo "EXITED=$?"; sleep 60`,
      )
      const screen = () => tmux('capture-pane', '-p', '-t', 'p')
      // (`Email [<the profile's>]: ` once the profile has one: typing it is the same.)
      await waitFor(() => /Email( \[[^\]]*\])?:/.test(screen()), 15_000, 'the email prompt')
      tmux('send-keys', '-t', 'p', '-l', email)
      tmux('send-keys', '-t', 'p', 'Enter')
      await waitFor(() => screen().includes('Password:'), 15_000, 'the password prompt')
      // A typo corrected with Backspace, as people type.
      tmux('send-keys', '-t', 'p', '-l', `${PASSWORD}x`)
      tmux('send-keys', '-t', 'p', 'BSpace', 'Enter')
      await waitFor(() => screen().includes('EXITED='), 20_000, `the login to end:\n${screen()}`)
      const s = screen()
      expect(s).toContain(`Logged in to ${daemon.url} as ${email}`)
      expect(s).toContain('EXITED=0')
      expect(s).toContain(email) // the email is echoed…
      expect(s).not.toContain(PASSWORD) // …the password is not
      expect(s).not.toContain('*')
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server'])
    }
  })
})

describe('with a real Secret Service (gnome-keyring on a private D-Bus)', () => {
  const service = startSecretService()
  const skip = 'skip' in service ? service.skip : null
  if (skip) console.warn(`keychain tests skipped: ${skip}`)
  afterAll(() => {
    if (!('skip' in service)) service.stop()
  })

  test.skipIf(skip !== null)('the session lives in the keychain (service "ledger", account = daemon URL) and nowhere on disk', async () => {
    if ('skip' in service) return
    const opts = { home: home(), url: daemon.url, env: service.env }
    const { email, result, stderr } = await registered(opts)
    expect(result.credential_store).toBe('keychain')
    expect(stderr).not.toContain('Warning')
    const found = service.search()
    expect(found).toContain(`attribute.service = ledger`)
    expect(found).toContain(`attribute.username = ${daemon.url}`)
    const token = (await runCli(opts, 'auth', 'token')).stdout.trim()
    expect(token.length).toBeGreaterThan(20)
    expect(found).toContain(token)
    for (const f of filesUnder(opts.home)) expect(f.content, f.path).not.toContain(token)
    expect(json<Record<string, unknown>>(await runCli(opts, 'auth', 'status', '--json'))).toMatchObject({ credential_store: 'keychain', email })
    // Logout removes it from the keychain.
    expect((await runCli(opts, 'logout')).code).toBe(0)
    expect(service.search()).not.toContain(`attribute.username = ${daemon.url}\n`)
  })

  test.skipIf(skip !== null)('a key created with keys create is stored in the keychain for its project', async () => {
    if ('skip' in service) return
    const opts = { home: home(), url: daemon.url, env: service.env }
    await registered(opts)
    expect((await runCli(opts, 'projects', 'create', 'Key App', '--slug', 'key-app')).code).toBe(0)
    const created = json<{ full_key: string; stored_in: string }>(
      await runCli(opts, 'keys', 'create', '--project', 'key-app', '--name', 'laptop', '--json'),
    )
    expect(created.stored_in).toBe('keychain')
    expect(service.search()).toContain(`attribute.username = ${daemon.url} project=key-app`)
    for (const f of filesUnder(opts.home)) expect(f.content, f.path).not.toContain(created.full_key)
    // Logged out, the key from the keychain still serves --project.
    expect((await runCli(opts, 'logout')).code).toBe(0)
    const depth = json<{ queues: Array<{ queue_depth: number }> }>(await runCli(opts, 'queue', '--project', 'key-app', '--json'))
    expect(depth.queues[0]!.queue_depth).toBe(0)
  })
})

describe('with a Secret Service that never answers', () => {
  const service = startUnansweringSecretService()
  const skip = 'skip' in service ? service.skip : null
  if (skip) console.warn(`unanswering keychain test skipped: ${skip}`)
  afterAll(() => {
    if (!('skip' in service)) service.stop()
  })

  test.skipIf(skip !== null)('login gives up on it and stores the session in the 0600 file, saying so; later commands read the file', async () => {
    if ('skip' in service) return
    const opts = { home: home(), url: daemon.url, env: service.env }
    // The name must be owned before the CLI asks for it.
    await waitFor(
      () => spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], { encoding: 'utf8', env: { ...process.env, ...service.env } }).stdout.includes('true'),
      10_000,
      'the black hole to own org.freedesktop.secrets',
    )
    const { email, result, stderr } = await registered(opts)
    expect(result.credential_store).toBe('file')
    expect(stderr.match(/Warning: no OS keychain available/g)).toHaveLength(1)
    const file = join(opts.home, 'config', 'credentials.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const me = await runCli(opts, 'whoami', '--json')
    expect(me.code).toBe(0)
    expect(json<{ email: string }>(me).email).toBe(email)
    expect(me.stderr).toBe('')
    expect(json<Record<string, unknown>>(await runCli(opts, 'auth', 'status', '--json'))).toMatchObject({ credential_store: 'file', email })
  })
})
