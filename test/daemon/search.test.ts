import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import type { LogSearchParams } from '../../src/contract/logs.js'
import { expectError } from '../helpers/assertions.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'

// Full-text search and filters on GET /api/v1/logs (issue #8, item 1).

const LOGS = [
  {
    message: 'connection refused by upstream',
    level: 'error',
    log_type: 'exception',
    error_type: 'ConnectionError',
    environment: 'production',
    release: 'v1',
    attributes: { user_id: 42, region: 'eu' },
  },
  { message: 'connection reset by peer', level: 'warning', environment: 'staging', attributes: { user_id: '42' } },
  {
    message: 'timeout while waiting for lock',
    level: 'error',
    stack_trace: 'at Lock.acquire (lock.js:10)',
    attributes: { 'service.name': 'api' },
  },
  { message: 'request timed out', error_message: 'upstream timed out', release: 'v2' },
  { message: 'user refused connection', attributes: { http: { status: 500 } } },
  { message: 'cache miss for key', level: 'debug', log_type: 'custom', attributes: { ok: true, none: null } },
  { message: 'Café déjà vu' },
] as const

describe('searching logs', () => {
  let d: TestDaemon
  let keyClient: LedgerClient
  let ids: number[] = []

  beforeAll(async () => {
    d = await startTestDaemon()
    const a = await accountWithKey(d.client, 'search')
    keyClient = a.keyClient
    await keyClient.ingestBatch(
      LOGS.map((l, i) => log({ ...l, timestamp: `2025-10-17T10:00:0${i}Z` })),
    )
    await waitFor(async () => (await keyClient.queueDepth()).queue_depth === 0)
    const page = await keyClient.logs()
    // Log n (0-based, as in LOGS) has the n-th timestamp: oldest first here.
    ids = page.logs.map((l) => l.id).reverse()
    expect(ids).toHaveLength(LOGS.length)
  })
  afterAll(async () => {
    await d.close()
  })

  /** Which of LOGS a search returns (indexes, newest first). */
  const found = async (params: LogSearchParams) => (await keyClient.logs(params)).logs.map((l) => ids.indexOf(l.id))

  it.each([
    ['connection', [4, 1, 0]],
    ['CONNECTION', [4, 1, 0]],
    ['refused', [4, 0]],
    ['"connection refused"', [0]],
    ['connection refused', [4, 0]],
    ['connection AND refused', [4, 0]],
    ['connection OR timeout', [4, 2, 1, 0]],
    ['connection NOT refused', [1]],
    ['connection AND NOT reset', [4, 0]],
    ['(connection OR cache) NOT refused', [5, 1]],
    ['time*', [3, 2]],
    ['"timed ou"*', [3]],
    ['ConnectionError', [0]],
    ['acquire', [2]],
    ['lock.js', [2]],
    ['upstream', [3, 0]],
    ['cafe', [6]],
    ['connection and refused', []],
    ['nothing-like-this', []],
  ] as const)('q=%s finds %j', async (q, expected) => {
    expect(await found({ q })).toEqual(expected)
  })

  it('q finds attribute values (at any depth), never their keys', async () => {
    expect(await found({ q: 'eu' })).toEqual([0])
    expect(await found({ q: 'api' })).toEqual([2])
    expect(await found({ q: '500' })).toEqual([4])
    expect(await found({ q: '42' })).toEqual([1, 0])
    expect(await found({ q: 'region' })).toEqual([])
    expect(await found({ q: 'status' })).toEqual([])
    expect(await found({ q: 'connection AND eu' })).toEqual([0])
  })

  it('combines q with level, log_type, environment, release, from and to', async () => {
    expect(await found({ q: 'connection', level: 'error' })).toEqual([0])
    expect(await found({ q: 'connection', level: ['error', 'warning'] })).toEqual([1, 0])
    expect(await found({ q: 'connection', environment: 'staging' })).toEqual([1])
    expect(await found({ q: 'upstream', release: 'v2' })).toEqual([3])
    expect(await found({ q: 'cache OR timeout', log_type: 'custom' })).toEqual([5])
    expect(await found({ q: 'connection', from: '2025-10-17T10:00:01Z', to: '2025-10-17T10:00:03Z' })).toEqual([1])
    expect(await found({ level: 'error', environment: 'production' })).toEqual([0])
    expect(await found({ release: 'v1' })).toEqual([0])
  })

  it('filters on attributes: strings and numbers alike, dotted keys, nested paths, booleans, null, several ANDed', async () => {
    expect(await found({ attr: { user_id: 42 } })).toEqual([1, 0])
    expect(await found({ attr: { user_id: '42', region: 'eu' } })).toEqual([0])
    expect(await found({ attr: { user_id: 43 } })).toEqual([])
    expect(await found({ attr: { 'service.name': 'api' } })).toEqual([2])
    expect(await found({ attr: { 'http.status': 500 } })).toEqual([4])
    expect(await found({ attr: { ok: true } })).toEqual([5])
    expect(await found({ attr: { none: 'null' } })).toEqual([5])
    expect(await found({ q: 'connection', attr: { user_id: 42 } })).toEqual([1, 0])
    // Two values for one key: both must hold.
    const both = await keyClient.raw('GET', '/api/v1/logs?attr.user_id=42&attr.user_id=43')
    expect((both.body as { logs: unknown[] }).logs).toEqual([])
  })

  it.each([
    ['"connection refused', 'q has an unbalanced quote: the phrase at character 1 is never closed'],
    ['connection AND', 'q has AND at character 12 with nothing after it'],
    ['OR timeout', 'q has OR at character 1 with nothing before it'],
    ['timeout OR', 'q has OR at character 9 with nothing after it'],
    ['timeout NOT', 'q has NOT at character 9 with nothing after it'],
    ['NOT timeout', "q excludes without including: NOT at character 1 needs a term to exclude from, as in 'timeout NOT retry'"],
    ['(timeout OR retry', "q has '(' at character 1 that is never closed"],
    ['timeout)', "q has ')' at character 8 with no '(' before it"],
    ['()', 'q has empty parentheses at character 1'],
    ['ti*me', "q has '*' inside a word at character 3: '*' only ends a prefix, as in time*"],
    ['*', "q has '*' with no letters before it at character 1: write a prefix such as time*"],
    ['-- ::', "q has a word with no letters or digits at character 1 ('--')"],
    ['"--"', 'q has a phrase with no letters or digits at character 1'],
    ['"a"b', 'q has text right after the phrase closed at character 3: put a space between them'],
  ])('q=%s is a 400 saying what is wrong', async (q, detail) => {
    const res = await keyClient.raw('GET', '/api/v1/logs', { query: { q } })
    expect(expectError(res, 400)).toBe(detail)
  })

  it.each([
    ['attr=5', "attr filters on attributes are written attr.KEY=VALUE, as in attr.user_id=42 (got 'attr')"],
    ['attr[user_id]=5', "attr[user_id] filters on attributes are written attr.KEY=VALUE, as in attr.user_id=42 (got 'attr[user_id]')"],
    ['attr.=5', 'attr. needs a key after the dot: write attr.KEY=VALUE'],
    ['attr.a%22b=5', 'attr.a"b key must not contain double quotes, backslashes or control characters'],
    [`attr.k=${'x'.repeat(1001)}`, 'attr.k must be at most 1000 characters'],
    ['level=fatal', "level must be one or more of debug, info, warning, error, critical (got 'fatal')"],
    ['log_type=printf', "log_type must be one or more of console, logger, exception, custom (got 'printf')"],
    [`environment=${'e'.repeat(256)}`, 'environment must be at most 255 characters'],
    [`q=${'a '.repeat(501)}`, 'q must be at most 1000 characters'],
    ['from=2025-10-18T00:00:00Z&to=2025-10-17T00:00:00Z', 'from must not be after to'],
  ])('%s is a 400 naming the parameter', async (query, detail) => {
    const res = await keyClient.raw('GET', `/api/v1/logs?${query}`)
    expect(expectError(res, 400)).toBe(detail)
  })

  it('treats an empty q as no full-text filter', async () => {
    expect(await found({ q: '  ' })).toHaveLength(LOGS.length)
  })

  // On both engines a log's full text is made after its commit, by the indexer (SQLite's
  // full-text thread, PostgreSQL's indexing batches).
  it('searches processed logs only (a queued log is listed without q, found by q once processed)', async () => {
    d.services.queue.pause()
    try {
      await keyClient.ingestSingle(log({ message: 'queued needle', timestamp: '2025-10-17T11:00:00Z' }))
      expect((await keyClient.logs({ q: 'needle' })).logs).toEqual([])
      expect((await keyClient.logs({ limit: 1 })).logs[0]!.message).toBe('queued needle')
    } finally {
      d.services.queue.resume()
    }
    await waitFor(async () => (await keyClient.logs({ q: 'needle' })).logs.length === 1)
  })
})
