import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type CliOptions, expectCliError, json } from '../helpers/cli.js'
import { accountWithKey, PASSWORD, log, startTestDaemon, type TestDaemon, tempHome, uniqueEmail, waitFor } from '../helpers/daemon.js'
import { ledger, memoryStore, startLedger } from '../helpers/in-process.js'

// `ledger projects|keys|panels|queue|health` run inside vitest against a real daemon, logged
// in once through `ledger register` (the credentials in the in-memory store of a temp
// LEDGER_HOME).

let daemon: TestDaemon
let opts: CliOptions

beforeAll(async () => {
  daemon = await startTestDaemon()
  opts = { home: tempHome(), url: daemon.url }
  const r = await ledger({ ...opts, input: PASSWORD }, 'register', '--email', uniqueEmail('res'), '--name', 'R', '--password-stdin')
  expect(r.code, r.stderr).toBe(0)
})
afterAll(async () => {
  await daemon.close()
  rmSync(opts.home, { recursive: true, force: true })
})

const cli = (...args: string[]) => ledger(opts, ...args)

/** What the credential store holds. */
function storedKeys(): Record<string, string> {
  return memoryStore(opts.home).snapshot()
}

describe('projects', () => {
  test('create, list, get and update; --json prints the API shapes', async () => {
    const created = json<{ project_id: number; slug: string }>(await cli('projects', 'create', 'Web Shop', '--slug', 'Web-Shop', '--environment', 'staging', '--json'))
    expect(created).toMatchObject({ slug: 'web-shop', name: 'Web Shop', environment: 'staging', retention_days: 30, daily_quota: 1000000 })
    const list = json<{ projects: Array<{ slug: string }>; total: number }>(await cli('projects', 'list', '--json'))
    expect(list.projects.map((p) => p.slug)).toContain('web-shop')
    expect(list.total).toBe(list.projects.length)
    const human = await cli('projects', 'list')
    expect(human.stdout).toMatch(/^ID\s+SLUG\s+NAME/m)
    expect(human.stdout).toMatch(/web-shop\s+Web Shop\s+staging/)
    expect(json(await cli('projects', 'get', 'web-shop', '--json'))).toEqual(created)
    expect(json(await cli('projects', 'get', String(created.project_id), '--json'))).toEqual(created)
    const updated = json(await cli('projects', 'update', 'web-shop', '--retention-days', '7', '--daily-quota', '500', '--json'))
    expect(updated).toMatchObject({ retention_days: 7, daily_quota: 500 })
  })

  test('bad input: bad slug (before any request), duplicate slug, unknown project, nothing to update', async () => {
    expectCliError(await cli('projects', 'create', 'X', '--slug', 'bad slug!'), 2, '--slug must contain only lowercase letters')
    // Without --slug the name makes one (#24); one it cannot make a slug of says so.
    expect(json(await cli('projects', 'create', 'Café Rouge!', '--json'))).toMatchObject({ slug: 'cafe-rouge', name: 'Café Rouge!' })
    expectCliError(await cli('projects', 'create', '日本'), 2, '--slug must not be empty')
    expect((await cli('projects', 'create', 'Dup', '--slug', 'dup')).code).toBe(0)
    expectCliError(await cli('projects', 'create', 'Dup', '--slug', 'dup'), 1, 'already exists')
    expectCliError(await cli('projects', 'get', 'nope'), 1, "no project 'nope'")
    expectCliError(await cli('projects', 'update', 'dup'), 2, 'nothing to change')
    expectCliError(await cli('projects', 'update', 'dup', '--retention-days', '0'), 2, '--retention-days')
    expectCliError(await cli('projects', 'create', 'X', '--slug', 'x', '--environment', 'moon'), 2, 'moon')
  })
})

describe('projects delete', () => {
  test('asks first: without a terminal --yes is required (exit 2); on a terminal "n" keeps it, "y" deletes it', async () => {
    const p = json<{ project_id: number; slug: string }>(await cli('projects', 'create', 'Doomed App', '--json'))
    expect(p.slug).toBe('doomed-app')
    expectCliError(await cli('projects', 'delete', 'doomed-app'), 2, 'pass --yes')
    const no = await ledger({ ...opts, tty: { stdin: true }, input: 'n\n' }, 'projects', 'delete', 'doomed-app')
    // (A terminal echoes the answer and its newline; here the error follows the question.)
    expect(no.code).toBe(1)
    expect(no.stderr).toMatch(/Delete project 'doomed-app' .*\[y\/N\] Error: cancelled; nothing was changed/)
    expect((await cli('projects', 'get', 'doomed-app')).code).toBe(0)
    const yes = await ledger({ ...opts, tty: { stdin: true }, input: 'y\n' }, 'projects', 'delete', 'doomed-app')
    expect(yes.code, yes.stderr).toBe(0)
    expect(yes.stdout).toContain("Deleted project 'doomed-app'")
    expectCliError(await cli('projects', 'get', 'doomed-app'), 1, "no project 'doomed-app'")
  })

  test('--yes deletes at once, its stored key goes too; --json says what went', async () => {
    expect((await cli('projects', 'create', 'Gone', '--slug', 'gone')).code).toBe(0)
    expect((await cli('keys', 'create', '-p', 'gone', '--name', 'k')).code).toBe(0)
    expect(storedKeys()[`${daemon.url} project=gone`]).toBeDefined()
    const r = json<{ deleted: boolean; slug: string }>(await cli('projects', 'delete', 'gone', '--yes', '--json'))
    expect(r).toMatchObject({ deleted: true, slug: 'gone' })
    expect(storedKeys()[`${daemon.url} project=gone`]).toBeUndefined()
    expectCliError(await cli('projects', 'delete', 'gone', '--yes'), 1, "no project 'gone'")
  })
})

describe('keys', () => {
  let keyId: number
  let fullKey: string

  test('create shows the full key once on stdout, stores it for the project, and ingest/queue can use it', async () => {
    expect((await cli('projects', 'create', 'Keys', '--slug', 'keys-app')).code).toBe(0)
    const r = await cli('keys', 'create', '--project', 'keys-app', '--name', 'laptop', '--scopes', 'ingest,read', '--expires-in-days', '30')
    expect(r.code, r.stderr).toBe(0)
    fullKey = r.stdout.trim()
    expect(fullKey).toMatch(/^ldg_proj_\d+_[A-Za-z0-9]{40}$/)
    expect(r.stderr).toContain('Save this key now')
    expect(r.stderr).toContain("for project 'keys-app'")
    expect(storedKeys()[`${daemon.url} project=keys-app`]).toBe(fullKey)
    // Without the login (the same store less the session), --project finds the stored key.
    const keyOnly = { home: tempHome(), url: daemon.url }
    const entries = storedKeys()
    delete entries[daemon.url]
    for (const [entry, value] of Object.entries(entries)) await memoryStore(keyOnly.home).set(entry, value)
    const depth = json<{ queues: Array<{ queue_depth: number; project_id: number }> }>(
      await ledger(keyOnly, 'queue', '--project', 'keys-app', '--json'),
    )
    expect(depth.queues).toEqual([expect.objectContaining({ queue_depth: 0, slug: 'keys-app', queue_capacity: 100000 })])
    // The key alone (no --project, no login): the daemon names its project and capacity.
    const byKeyAlone = json<{ queues: Array<{ slug: string | null; queue_capacity: number | null }> }>(
      await ledger({ ...keyOnly, env: { LEDGER_API_KEY: fullKey } }, 'queue', '--json'),
    )
    expect(byKeyAlone.queues).toEqual([expect.objectContaining({ slug: 'keys-app', queue_capacity: 100000 })])
    expectCliError(await ledger(keyOnly, 'whoami'), 4, 'not logged in')
    rmSync(keyOnly.home, { recursive: true, force: true })
    const list = json<{ api_keys: Array<{ id: number; name: string; scopes: string[]; expires_at: string | null }> }>(
      await cli('keys', 'list', '--project', 'keys-app', '--json'),
    )
    expect(list.api_keys).toHaveLength(1)
    expect(list.api_keys[0]).toMatchObject({ name: 'laptop', scopes: ['ingest', 'read'] })
    expect(list.api_keys[0]!.expires_at).not.toBeNull()
    keyId = list.api_keys[0]!.id
    // The secret never appears in listings; the project is named by its slug (#24).
    const human = (await cli('keys', 'list')).stdout
    expect(human).not.toContain(fullKey)
    expect(human).toMatch(new RegExp(`^\\s*${keyId}\\s+laptop\\s+keys-app\\s`, 'm'))
  })

  test('get shows the key with its latest calls; update disables and enables it', async () => {
    await daemon.client.withCredential(fullKey).ingestSingle(log())
    const detail = json<{ usage: Array<{ endpoint: string }>; usage_count: number }>(await cli('keys', 'get', String(keyId), '--json'))
    expect(detail.usage.map((u) => u.endpoint)).toContain('/api/v1/ingest/single')
    expect((await cli('keys', 'get', String(keyId))).stdout).toMatch(/\/api\/v1\/ingest\/single\s+202/)
    expect(json(await cli('keys', 'update', String(keyId), '--disable', '--json'))).toMatchObject({ is_active: false })
    expectCliError(await ledger({ ...opts, env: { LEDGER_API_KEY: fullKey } }, 'queue'), 4, 'invalid api key')
    expect(json(await cli('keys', 'update', String(keyId), '--enable', '--name', 'renamed', '--json'))).toMatchObject({ is_active: true, name: 'renamed' })
    expectCliError(await cli('keys', 'update', String(keyId), '--enable', '--disable'), 2, 'cannot also be provided')
    expectCliError(await cli('keys', 'update', String(keyId)), 2, 'nothing to change')
  })

  test('limits shows the defaults, sets custom ones, and refuses bad values before any request', async () => {
    expect(json(await cli('keys', 'limits', String(keyId), '--json'))).toMatchObject({ algorithm: 'token_bucket', burst_capacity: 1000, hourly_limit: 50000, is_default: true })
    expect(json(await cli('keys', 'limits', String(keyId), '--set', '--tokens-per-second', '2.5', '--burst', '10', '--json'))).toMatchObject({
      tokens_per_second: 2.5,
      burst_capacity: 10,
      is_default: false,
    })
    expectCliError(await cli('keys', 'limits', String(keyId), '--set', '--tokens-per-second', '-1', '--burst', '10'), 2, '--tokens-per-second must be a positive number')
    expectCliError(await cli('keys', 'limits', String(keyId), '--set', '--burst', '10'), 2, '--set needs --tokens-per-second')
    expectCliError(await cli('keys', 'limits', String(keyId), '--burst', '10'), 2, 'pass --set')
  })

  test('metrics counts the calls in the range', async () => {
    const m = json<{ allowed_count: number; throttled_count: number; time_series: unknown[] }>(
      await cli('keys', 'metrics', String(keyId), '--since', '2h', '--json'),
    )
    expect(m.allowed_count).toBeGreaterThanOrEqual(2)
    expect(m.time_series.length).toBeGreaterThan(60)
    // 23 hours per minute are 1380 points: the sparklines are bucketed to the width (#24), 100
    // columns on this terminal, 80 in a pipe, and say what a character covers.
    const day = await ledger({ ...opts, tty: { stdout: true }, env: { PAGER: 'cat' } }, 'keys', 'metrics', String(keyId), '--since', '23h')
    const spark = (out: string, name: string) => out.split('\n').find((l) => l.startsWith(name))!
    expect(spark(day.stdout, 'allowed   ').length).toBe(99)
    expect(spark(day.stdout, 'throttled ').length).toBe(99)
    expect(day.stdout).toMatch(/, 16 min a character$/m)
    const piped = await cli('keys', 'metrics', String(keyId), '--since', '23h')
    expect(spark(piped.stdout, 'allowed   ').length).toBe(79)
    expect(spark(piped.stdout, 'allowed   ')).toMatch(/[▁▂▃▄▅▆▇█]/)
    expectCliError(await cli('keys', 'metrics', String(keyId), '--since', 'someday'), 2, "--since 'someday' is not a time")
    expectCliError(await cli('keys', 'metrics', String(keyId), '--since', '1h', '--until', '2h'), 2, 'before --until')
  })

  test('revoke asks first: not a terminal needs --yes (exit 2), a terminal answering no keeps the key', async () => {
    expectCliError(await cli('keys', 'revoke', String(keyId)), 2, 'pass --yes')
    const no = await ledger({ ...opts, tty: { stdin: true }, input: 'n\n' }, 'keys', 'revoke', String(keyId))
    expect(no.code).toBe(1)
    expect(no.stderr).toContain(`Revoke API key ${keyId}? Requests with it will get 401. [y/N] Error: cancelled`)
    expect((await daemon.client.withCredential(fullKey).raw('GET', '/api/v1/queue/depth')).status).toBe(200)
  })

  test('revoke ends the key and removes the stored copy', async () => {
    const r = await cli('keys', 'revoke', String(keyId), '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`API key ${keyId} has been revoked`)
    expect(r.stderr).toContain('Removed the stored copy')
    expect(storedKeys()[`${daemon.url} project=keys-app`]).toBeUndefined()
    expect((await daemon.client.withCredential(fullKey).raw('GET', '/api/v1/queue/depth')).status).toBe(401)
  })

  test('bad input: non-numeric id, unknown key, unknown project, bad scope', async () => {
    expectCliError(await cli('keys', 'get', 'abc'), 2, "key id 'abc' must be a positive integer")
    expectCliError(await cli('keys', 'get', '99999'), 1)
    expectCliError(await cli('keys', 'create', '--project', 'missing', '--name', 'x'), 1, "no project 'missing'")
    expectCliError(await cli('keys', 'create', '--project', 'keys-app', '--name', 'x', '--scopes', 'admin'), 2, '--scopes')
  })
})

describe('panels', () => {
  test('create, list, update and delete', async () => {
    expect((await cli('projects', 'create', 'Panels', '--slug', 'panels-app')).code).toBe(0)
    const p = json<{ id: string; index: number; time_range_from: string; time_range_to: string }>(
      await cli('panels', 'create', '--name', 'Errors', '--type', 'errors', '--project', 'panels-app', '--from', '24h', '--json'),
    )
    expect(p.id).toMatch(/^panel_[0-9a-f]{16}$/)
    expect(Date.parse(p.time_range_to) - Date.parse(p.time_range_from)).toBeCloseTo(24 * 3600_000, -4)
    const list = json<{ panels: Array<{ id: string }> }>(await cli('panels', 'list', '--json'))
    expect(list.panels.map((x) => x.id)).toContain(p.id)
    const u = json(await cli('panels', 'update', p.id, '--name', 'Errors 7d', '--from', '2026-11-01T00:00:00Z', '--json'))
    expect(u).toMatchObject({ id: p.id, name: 'Errors 7d', type: 'errors', time_range_from: '2026-11-01T00:00:00Z' })
    expect(json(await cli('panels', 'delete', p.id, '--json'))).toMatchObject({ success: true })
    expectCliError(await cli('panels', 'update', p.id, '--name', 'x'), 1, `no panel '${p.id}'`)
  })

  test('bad input: missing type, bad type, bad time, unknown project', async () => {
    expectCliError(await cli('panels', 'create', '--name', 'x', '--project', 'panels-app'), 2, 'type')
    expectCliError(await cli('panels', 'create', '--name', 'x', '--project', 'panels-app', '--type', 'pie'), 2, 'pie')
    expectCliError(await cli('panels', 'create', '--name', 'x', '--project', 'panels-app', '--type', 'logs', '--from', 'soon'), 2, "--from 'soon'")
    expectCliError(await cli('panels', 'create', '--name', 'x', '--project', 'no-such', '--type', 'logs'), 1, 'project')
  })
})

describe('queue and health', () => {
  test('queue: logged in, every project of the account; without a login, a key is needed', async () => {
    const all = json<{ queues: Array<{ slug: string; queue_depth: number; queue_capacity: number }> }>(await cli('queue', '--json'))
    expect(all.queues.map((q) => q.slug)).toContain('keys-app')
    expect(all.queues[0]!.queue_capacity).toBe(100000)
    expect((await cli('queue')).stdout).toMatch(/^PROJECT\s+QUEUED\s+CAPACITY/)
    // With an API key and a login at hand, the key's project is named and its capacity shown (#24).
    const { full_key: queueKey } = json<{ full_key: string }>(await cli('keys', 'create', '--project', 'keys-app', '--name', 'queue', '--no-store', '--json'))
    const byKey = json<{ queues: Array<{ slug: string | null; queue_capacity: number | null }> }>(await cli('queue', '--api-key', queueKey, '--json'))
    expect(byKey.queues).toEqual([expect.objectContaining({ slug: 'keys-app', queue_capacity: 100000 })])
    expect((await cli('queue', '--api-key', queueKey)).stdout).toMatch(/^keys-app\s+\d+\s+100000$/m)
    expectCliError(await cli('queue', '--project', 'nothing-here'), 1, "no project 'nothing-here'")
    const anon = { home: tempHome(), url: daemon.url }
    expectCliError(await ledger(anon, 'queue'), 2, '--project')
    expectCliError(await ledger(anon, 'queue', '--project', 'nothing-here'), 4, "no API key stored for project 'nothing-here'")
    rmSync(anon.home, { recursive: true, force: true })
  })

  test('queue with LEDGER_API_KEY needs no login and counts what waits; --watch redraws until Ctrl-C and exits 130', async () => {
    const { keyClient, key } = await accountWithKey(daemon.client, 'queue-app')
    const ci = { home: tempHome(), url: daemon.url, env: { LEDGER_API_KEY: key.full_key } }
    daemon.services.queue.pause()
    try {
      await keyClient.ingestBatch([log(), log(), log()])
      expect(json<{ queues: Array<{ queue_depth: number }> }>(await ledger(ci, 'queue', '--json')).queues[0]!.queue_depth).toBe(3)
      // The key alone: the daemon names the project and its capacity (Ledger-Project-Slug,
      // Ledger-Queue-Capacity); it used to show as #<id> with no capacity.
      expect((await ledger(ci, 'queue')).stdout).toMatch(/^queue-app\s+3\s+100000$/m)
    } finally {
      daemon.services.queue.resume()
    }
    const watch = startLedger(ci, 'queue', '--watch', '--json', '--interval', '1')
    try {
      await waitFor(() => watch.stdout().split('\n').filter(Boolean).length >= 2, 20_000, 'two redraws')
      watch.signal('SIGINT')
      expect((await watch.result).code).toBe(130)
    } finally {
      if (!watch.done()) watch.signal('SIGINT')
      rmSync(ci.home, { recursive: true, force: true })
    }
    const out = watch.stdout()
    // One JSON object per line; the queue drained to 0 meanwhile.
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { queues: Array<{ queue_depth: number }> })
    expect(lines.at(-1)!.queues[0]!.queue_depth).toBe(0)
  })

  test('health and health --deep', async () => {
    expect(json(await cli('health', '--json'))).toEqual({ status: 'healthy' })
    const deep = json<{ status: string; services: Record<string, { status: string }> }>(await cli('health', '--deep', '--json'))
    expect(deep.status).toBe('healthy')
    expect(Object.keys(deep.services)).toEqual(expect.arrayContaining(['database', 'ingestion_queue', 'rate_limiter']))
    const text = (await cli('health', '--deep')).stdout
    expect(text).toMatch(/database: healthy/)
    // Nested figures are spelled out with dotted keys, not as JSON.
    expect(text).toMatch(/ wal\.wal_frames=\d+ /)
    expect(text).toMatch(/ fulltext_index\.indexed_upto=\d+ /)
    expect(text).not.toContain('{')
  })
})

