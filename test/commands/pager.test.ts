import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { accountWithKey, BIN, log, ROOT, startTestDaemon, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js'
import { ledger } from '../helpers/in-process.js'
import { testTempDir } from '../helpers/tmp.js'

// #24 item 6: long human output goes through a pager on a terminal ($LEDGER_PAGER, $PAGER, else
// `less -FRX`), never when stdout is not a terminal or with --json, not with --no-pager; and a
// listing cut at its limit says so. The pager here is a script that records what it was given.

describe('the pager and "N more"', () => {
  let daemon: TestDaemon
  let home: string
  let key: string
  let dir: string
  let token: string

  beforeAll(async () => {
    daemon = await startTestDaemon({}, { realClock: true })
    home = tempHome()
    dir = testTempDir('ledger-pager-')
    const a = await accountWithKey(daemon.client, 'pager-app')
    key = a.key.full_key
    token = a.account.access_token
    const t0 = Date.parse('2026-11-30T10:00:00Z')
    await a.keyClient.ingestBatch(
      Array.from({ length: 60 }, (_, i) => log({ timestamp: new Date(t0 + i * 1000).toISOString(), message: `event ${i}` })),
    )
    await waitFor(async () => (await a.keyClient.queueDepth()).queue_depth === 0, 10_000, 'the worker to index')
    // The fake pager: what it reads, and the LESS it was given, into files; nothing on the screen.
    writeFileSync(join(dir, 'pager.sh'), 'cat > "$PAGER_RECORD"\nprintf %s "$LESS" > "$PAGER_RECORD.less"\n')
    writeFileSync(join(dir, 'quitter.sh'), 'head -n 1 > "$PAGER_RECORD"\n')
  })
  afterAll(async () => {
    await daemon.close()
    rmSync(home, { recursive: true, force: true })
    rmSync(dir, { recursive: true, force: true })
  })

  let n = 0
  /** A fresh record file and the env that points the fake pager at it. */
  function recorder(script = 'pager.sh', variable = 'PAGER') {
    const record = join(dir, `record-${++n}`)
    return { record, env: { [variable]: `sh ${join(dir, script)}`, PAGER_RECORD: record, LEDGER_API_KEY: key, LESS: undefined } }
  }
  const terminal = (env: Record<string, string | undefined>) => ({ home, url: daemon.url, env, tty: { stdout: true } })

  test('long output on a terminal goes through $PAGER, whole, with LESS=FRX; the screen gets nothing else', async () => {
    const { record, env } = recorder()
    const paged = await ledger(terminal(env), 'logs')
    expect(paged.code, paged.stderr).toBe(0)
    expect(paged.stdout).toBe('')
    const straight = await ledger(terminal(env), 'logs', '--no-pager')
    expect(straight.stdout.split('\n')).toHaveLength(61)
    expect(readFileSync(record, 'utf8')).toBe(straight.stdout)
    expect(readFileSync(`${record}.less`, 'utf8')).toBe('FRX')
  })

  test('LEDGER_PAGER wins over PAGER; an empty one or `cat` means none', async () => {
    const { record, env } = recorder('pager.sh', 'LEDGER_PAGER')
    const r = await ledger(terminal({ ...env, PAGER: 'false' }), 'logs')
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(record, 'utf8').split('\n')).toHaveLength(61)
    for (const off of [{ LEDGER_PAGER: '' }, { LEDGER_PAGER: 'cat' }, { PAGER: 'cat' }]) {
      const plain = await ledger(terminal({ LEDGER_API_KEY: key, PAGER: 'false', ...off }), 'logs')
      expect(plain.code, plain.stderr).toBe(0)
      expect(plain.stdout.split('\n')).toHaveLength(61)
    }
  })

  test('no pager for output that fits the screen, with --json, with --no-pager, or when stdout is not a terminal', async () => {
    const { record, env } = recorder()
    const short = await ledger(terminal(env), 'tail', '-n', '3')
    expect(short.stdout.split('\n')).toHaveLength(4)
    const asJson = await ledger(terminal(env), 'logs', '--json')
    expect(asJson.stdout.trim().split('\n')).toHaveLength(60)
    expect((await ledger(terminal(env), 'logs', '--no-pager')).stdout.split('\n')).toHaveLength(61)
    expect((await ledger({ home, url: daemon.url, env }, 'logs')).stdout.split('\n')).toHaveLength(61)
    // The real binary in a pipe.
    const piped = await runCli({ home, url: daemon.url, env }, 'logs')
    expect(piped.code, piped.stderr).toBe(0)
    expect(piped.stdout.split('\n')).toHaveLength(61)
    expect(existsSync(record)).toBe(false)
  })

  test('a pager quit before the end (q) ends the command, exit 0', async () => {
    const { record, env } = recorder('quitter.sh')
    const r = await ledger(terminal(env), 'logs', '--all')
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(record, 'utf8')).toMatch(/^\S+ INFO {2}event 59\n$/)
  })

  test('the real binary on a real terminal (script(1)) starts the pager on it', async () => {
    const { record, env } = recorder()
    const command = `stty rows 30 cols 100; exec ${process.execPath} ${BIN} logs`
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: cliEnv({ home, url: daemon.url, env }), stdio: ['pipe', 'pipe', 'pipe'] })
    child.stdin.end()
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(0)
    expect(readFileSync(record, 'utf8').split('\n')).toHaveLength(61)
  })

  test('a listing cut at its limit says so on stderr: logs, keys list --page', async () => {
    const cut = await ledger({ home, url: daemon.url, env: { LEDGER_API_KEY: key } }, 'logs', '--limit', '5')
    expect(cut.stdout.trim().split('\n')).toHaveLength(5)
    expect(cut.stderr).toBe('More logs match — use --limit or --all (5 shown).\n')
    const all = await ledger({ home, url: daemon.url, env: { LEDGER_API_KEY: key } }, 'logs', '--all')
    expect(all.stdout.trim().split('\n')).toHaveLength(60)
    expect(all.stderr).toBe('')
    const login = { home, url: daemon.url, env: { LEDGER_TOKEN: token } }
    expect((await ledger(login, 'keys', 'create', '--project', 'pager-app', '--name', 'second', '--no-store')).code).toBe(0)
    const page = await ledger(login, 'keys', 'list', '--page', '1', '--size', '1')
    expect(page.stderr).toBe('1 more — use --page 2, or leave --page out for all.\n')
    expect((await ledger(login, 'keys', 'list', '--page', '2', '--size', '1')).stderr).toBe('')
    expect((await ledger(login, 'keys', 'list', '--page', '1', '--size', '1', '--json')).stderr).toBe('')
  })
})
