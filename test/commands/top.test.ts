import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LedgerClient } from '../../src/client/index.js'
import { OverviewSchema } from '../../src/contract/stats.js'
import { cliEnv, expectCliError, json, runCli } from '../helpers/cli.js'
import { log, ROOT, registerAccount, startTestDaemon, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js'
import { ledger } from '../helpers/in-process.js'

// `ledger top` against a real daemon (on its real clock: rates and the header's time move): its
// snapshot and --json run inside vitest (stdout is not a terminal there), and the screen as a
// user sees it, the real binary in a real terminal (tmux).

const hasTmux = spawnSync('tmux', ['-V']).status === 0

describe('ledger top', () => {
  let daemon: TestDaemon
  let client: LedgerClient
  let token: string
  let key: string
  const cliHome = tempHome()

  beforeAll(async () => {
    daemon = await startTestDaemon({}, { realClock: true })
    client = new LedgerClient({ baseUrl: daemon.url })
    const account = await registerAccount(client)
    token = account.access_token
    const project = await account.client.createProject({ name: 'E2E App', slug: 'e2e-app' })
    await account.client.createProject({ name: 'Idle', slug: 'e2e-idle' })
    key = (await account.client.createApiKey(project.project_id, { name: 'e2e key' })).full_key
    await client.withCredential(key).ingestBatch([
      ...Array.from({ length: 8 }, (_, i) => log({ message: `fine ${i}` })),
      log({ level: 'error', message: 'e2e: upstream timed out' }),
      log({ level: 'critical', message: 'e2e: disk full' }),
    ])
    // The snapshots show the batch processed (queue 0): the command runs within milliseconds now.
    // (Asked with the login: a request with the key would show in its REQ/MIN.)
    await waitFor(async () => (await account.client.statsOverview()).projects.every((p) => p.queue_depth === 0), 10_000, 'the batch processed')
  })
  afterAll(async () => {
    await client?.close()
    await daemon?.close()
    rmSync(cliHome, { recursive: true, force: true })
  })

  const opts = () => ({ home: cliHome, url: daemon.url, env: { LEDGER_TOKEN: token } })

  it('prints one plain snapshot and exits 0 when stdout is not a terminal', async () => {
    const r = await ledger(opts(), 'top')
    expect(r.code, r.stderr).toBe(0)
    // No escape sequence at all: no alternate screen, no cursor movement, no colour.
    expect(r.stdout).not.toMatch(/\u001B/)
    expect(r.stdout).toMatch(new RegExp(`^Ledger daemon ${daemon.url}: healthy, v\\d+\\.\\d+\\.\\d+`))
    expect(r.stdout).toContain('last 5m 10 logs, 2 errors')
    expect(r.stdout).toMatch(/^e2e-app +[\d.]+ +0 ░{10} +2 +10\/1000000 \(0%\)$/m)
    expect(r.stdout).toMatch(/^e2e-idle +0\.0 +0 ░{10} +0 +0\/1000000 \(0%\)$/m)
    expect(r.stdout).toMatch(/^e2e key +e2e-app +1\/1000 +0 +/m)
    expect(r.stdout).toMatch(/CRITICAL {2}e2e: disk full$/m)
    expect(r.stdout).toMatch(/ERROR {2}e2e: upstream timed out$/m)
  })

  it('prints the overview object with --json, and one project with --project', async () => {
    const o = OverviewSchema.parse(json(await ledger(opts(), 'top', '--json')))
    expect(o.projects.map((p) => p.slug).sort()).toEqual(['e2e-app', 'e2e-idle'])
    expect(o.ingest).toMatchObject({ accepted_5m: 10, errors_5m: 2 })
    expect(o.project).toBeNull()
    const one = OverviewSchema.parse(json(await ledger(opts(), 'top', '--json', '--project', 'e2e-app')))
    expect(one.project?.recent_logs).toHaveLength(10)

    const text = await ledger(opts(), 'top', '--project', 'e2e-app')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('Latest logs of e2e-app (10)')
  })

  it('shows local time (TZ honoured), or UTC with --utc', async () => {
    // The real binary: TZ is read by the process at start.
    const tokyo = { ...opts(), env: { ...opts().env, TZ: 'Asia/Tokyo' } }
    const local = await runCli(tokyo, 'top')
    expect(local.code, local.stderr).toBe(0)
    expect(local.stdout.split('\n')[0]).toMatch(/, at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00$/)
    const utc = await runCli(tokyo, 'top', '--utc')
    expect(utc.code, utc.stderr).toBe(0)
    expect(utc.stdout.split('\n')[0]).toMatch(/, at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
  })

  it('fails with one line when not logged in (exit 4) or the project is unknown (exit 1)', async () => {
    expectCliError(await ledger({ home: cliHome, url: daemon.url }, 'top'), 4)
    expectCliError(await ledger(opts(), 'top', '--project', 'nope'), 1, 'project not found')
  })

  it.skipIf(!hasTmux)('runs full screen in a real terminal, live, and q restores the terminal', async () => {
    const socket = `ledger-top-${process.pid}-${Date.now()}`
    const tmux = (...args: string[]) => {
      const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr}`)
      return r.stdout
    }
    const screen = () => tmux('capture-pane', '-p', '-t', 'top')
    /** The first screen showing `what` (within 20 s): what an assertion then reads. */
    const seen = (what: string | RegExp, label = String(what)) =>
      waitFor(() => {
        const s = screen()
        return (typeof what === 'string' ? s.includes(what) : what.test(s)) && s
      }, 20_000, `${label}:\n${screen()}`)
    const env: NodeJS.ProcessEnv = { ...cliEnv(opts()), CI: 'true' }
    // A light ingest load for the duration of the test (bounded in count and time).
    let loading = true
    const keyClient = client.withCredential(key)
    const load = (async () => {
      for (let i = 0; loading && i < 600; i++) {
        await keyClient.ingestBatch(Array.from({ length: 5 }, (_, j) => log({ message: `load ${i}.${j}` })))
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    try {
      // CI=true as in a CI job: the screen must still be drawn (Ink draws only the last frame
      // under CI unless `ledger top` sees that both ends are a terminal).
      // TZ=UTC: the header's clock reads `HH:MM:SS UTC` (local time, whatever this machine's zone).
      env['TZ'] = 'UTC'
      const vars = ['LEDGER_HOME', 'LEDGER_URL', 'LEDGER_TOKEN', 'NO_COLOR', 'PATH', 'CI', 'TZ']
      tmux(
        'new-session', '-d', '-s', 'top', '-x', '160', '-y', '45', '-c', ROOT,
        ...vars.flatMap((v) => ['-e', `${v}=${env[v] ?? ''}`]),
        // After it exits: its status and whether the tty is back in canonical (cooked) mode.
        `${process.execPath} bin/run.js top; echo "EXITED=$?"; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon; sleep 120`,
      )
      expect(await seen(/e2e-app +[1-9]\d*\.\d/, 'a live rate for e2e-app')).toMatch(/e2e-app +[1-9]\d*\.\d/)
      // Each fragment is waited for on its own: a loaded machine draws them in its own time.
      expect(await seen(`Ledger top  ${daemon.url}  ● connected  healthy`)).toContain(`Ledger top  ${daemon.url}  ● connected  healthy`)
      expect(await seen('e2e-idle')).toContain('e2e-idle')
      expect(await seen(/e2e key +e2e-app +ldg_proj_\d+_\w+ +\d+\/1000/)).toMatch(/e2e key +e2e-app +ldg_proj_\d+_\w+ +\d+\/1000/)
      expect(await seen(/e2e-app +CRITICAL +e2e: disk full/)).toMatch(/e2e-app +CRITICAL +e2e: disk full/)
      expect(tmux('display', '-p', '-t', 'top', '#{alternate_on}').trim()).toBe('1')
      // Redrawn every second: the daemon's clock in the header moves.
      const clock = () => / (\d\d:\d\d:\d\d) UTC/.exec(screen())?.[1]
      const first = clock()
      await waitFor(() => clock() !== first, 15_000, 'the header clock to move')

      /**
       * The screen laid out at `columns`×`rows`: nothing wider or taller than the terminal, the
       * header on top, the footer's `? help` and `q quit` on the last line but one, the sorted
       * column marked, and the key prefix only where REQ/MIN has room beside it.
       */
      const checkSize = async (columns: number, rows: number) => {
        const s = await waitFor(() => {
          const t = screen()
          return t.split('\n').some((l) => l.startsWith('── Recent errors') && l.length === columns) && t
        }, 15_000, `a ${columns}×${rows} layout:\n${screen()}`)
        const ls = s.replace(/\n+$/, '').split('\n')
        expect(ls.length, s).toBeLessThanOrEqual(rows - 1)
        for (const l of ls) expect(l.length, l).toBeLessThanOrEqual(columns)
        expect(ls[0]).toMatch(/^Ledger top .*● connected {2}healthy/)
        expect(ls.at(-1)).toMatch(/\? help {2}q quit$/)
        expect(ls.length).toBe(rows - 1)
        const title = (t: string) => ls.findIndex((l) => l.startsWith(`── ${t}`))
        expect(ls[title('Projects') + 1]).toContain('LOGS/S▼')
        const keysHeader = ls[title('API keys') + 1]!
        expect(keysHeader).toMatch(/KEY +PROJECT .*REQ\/MIN▼/)
        if (columns >= 100) expect(keysHeader).toContain('PREFIX')
        else expect(keysHeader).not.toContain('PREFIX')
        return { ls, title }
      }
      // 160×45: projects and keys take the rows they have (2 and 1), the errors pane the rest.
      const big = await checkSize(160, 45)
      expect(big.title('API keys') - big.title('Projects')).toBe(4)
      expect(big.title('Recent errors') - big.title('API keys')).toBe(3)

      // Resizing the terminal lays the screen out again at the new width.
      tmux('resize-window', '-t', 'top', '-x', '100', '-y', '30')
      await waitFor(() => screen().split('\n').some((l) => l.startsWith('── Projects') && l.length === 100), 15_000, `a 100-column layout:\n${screen()}`)
      await checkSize(100, 30)

      // enter opens the project, esc comes back.
      tmux('send-keys', '-t', 'top', 'Enter')
      await waitFor(() => screen().includes('── Project e2e-app · E2E App'), 15_000, `the project screen:\n${screen()}`)
      tmux('send-keys', '-t', 'top', 'Escape')
      await waitFor(() => screen().includes('── Projects'), 15_000, 'the overview again')

      // 60×15: everything still fits; the help fits under the header; enter shows an error in full.
      tmux('resize-window', '-t', 'top', '-x', '60', '-y', '15')
      await checkSize(60, 15)
      tmux('send-keys', '-t', 'top', '?')
      const help = await seen('esc or ? close  q quit')
      expect(help.split('\n')[0]).toMatch(/^Ledger top /)
      expect(help).toMatch(/^Keys$/m)
      expect(help).toMatch(/^ {2}↑ ↓ {2}j k {8}move the selection/m)
      for (const l of help.split('\n')) expect(l.length, l).toBeLessThanOrEqual(60)
      tmux('send-keys', '-t', 'top', 'Escape')
      await seen('── Recent errors')
      // One key at a time, each waited for: keys sent together can reach the app in one read.
      tmux('send-keys', '-t', 'top', 'Tab')
      await waitFor(() => /^> .*e2e key/m.test(screen()), 15_000, `the keys pane selected:\n${screen()}`)
      tmux('send-keys', '-t', 'top', 'Tab')
      await waitFor(() => /^> .*(ERROR|CRITICAL)/m.test(screen()), 15_000, `the errors pane selected:\n${screen()}`)
      tmux('send-keys', '-t', 'top', 'Enter')
      const detail = await seen(/^── Log \d+ · e2e-app/m, 'the log detail')
      expect(detail).toMatch(/^Level +(ERROR|CRITICAL) · /m)
      expect(detail).toMatch(/^Time +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/m)
      tmux('send-keys', '-t', 'top', 'Escape')
      await seen('── Recent errors')

      tmux('send-keys', '-t', 'top', 'q')
      // The shell prints EXITED=… and then the tty's mode: wait for the mode line too (read on
      // EXITED alone, the screen once held no mode yet).
      const after = await waitFor(() => {
        const s = screen()
        return s.includes('EXITED=') && /^-?icanon$/m.test(s) && s
      }, 15_000, `the exit and the tty's mode:\n${screen()}`)
      expect(after).toContain('EXITED=0')
      expect(after).not.toContain('Ledger top')
      expect(after.split('\n')).toContain('icanon')
      expect(tmux('display', '-p', '-t', 'top', '#{alternate_on}').trim()).toBe('0')
      expect(tmux('display', '-p', '-t', 'top', '#{cursor_flag}').trim()).toBe('1')
    } finally {
      loading = false
      await load
      spawnSync('tmux', ['-L', socket, 'kill-server'])
    }
  })

  it.runIf(!hasTmux)('skips the terminal test: tmux is not installed (apt-get install tmux)', () => {
    console.log('ledger top terminal test skipped: tmux is not installed (apt-get install tmux)')
  })
})
