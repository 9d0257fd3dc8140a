import { render } from 'ink-testing-library'
import { afterEach, describe, expect, it } from 'vitest'
import type { Overview, OverviewQuery } from '../../src/contract/stats.js'
import { App } from '../../src/tui/app.js'
import { classifyFetchError } from '../../src/tui/fetch-errors.js'
import { waitFor } from '../helpers/daemon.js'
import { errorLog, key, overview } from './fixtures.js'

// `ledger top` at the three sizes people run it at: a small split (60×15), a laptop (100×30) and
// a large screen (160×45). Each behaviour is checked at each size.

const URL = 'http://127.0.0.1:8123'
const KEY = { up: '\u001B[A', down: '\u001B[B', tab: '\t', enter: '\r', escape: '\u001B', pageDown: '\u001B[6~', end: '\u001B[F' }
const SIZES = [
  { columns: 60, rows: 15 },
  { columns: 100, rows: 30 },
  { columns: 160, rows: 45 },
] as const

type Instance = ReturnType<typeof render>
let mounted: Instance[] = []
afterEach(() => {
  for (const r of mounted) r.unmount()
  mounted = []
})

/** Known data with a real key prefix's length (26 characters) and many errors (as many as asked). */
function data(errors = 0): Overview {
  const o = overview()
  for (let i = 0; i < errors; i++)
    o.recent_errors.push(errorLog(200 + i, 1 + (i % 3), `error number ${i}`, 'error', `2025-10-17T09:${String(40 - Math.floor(i / 60)).padStart(2, '0')}:${String(59 - (i % 60)).padStart(2, '0')}Z`))
  o.keys = o.keys.map((k) => ({ ...k, key_prefix: `ldg_proj_${k.project_id}_abcdef0123456789` }))
  o.keys.push(key({ key_id: 13, project_id: 3, project_slug: 'web', name: 'web-frontend', requests_per_minute: 990 }))
  return o
}

function mount(size: { columns: number; rows: number }, o: Overview | ((q: OverviewQuery) => Overview) = data()) {
  const fetchOverview = async (q: OverviewQuery) => (typeof o === 'function' ? o(q) : o)
  const r = render(<App fetchOverview={fetchOverview} classifyError={classifyFetchError} url={URL} size={size} timeZone="UTC" />)
  mounted.push(r)
  return r
}

const frame = (r: Instance) => r.lastFrame() ?? ''
const lines = (r: Instance) => frame(r).split('\n')
const until = (r: Instance, what: string | RegExp): Promise<string> =>
  waitFor(
    () => {
      const f = frame(r)
      return (typeof what === 'string' ? f.includes(what) : what.test(f)) && f
    },
    5000,
    `a frame with ${what}:\n${frame(r)}`,
  )
const press = async (r: Instance, ...keys: string[]) => {
  for (const k of keys) {
    r.stdin.write(k)
    await new Promise((resolve) => setImmediate(resolve))
  }
}
/** The line after the pane title `title` (a table's column header). */
const headerOf = (r: Instance, title: string) => lines(r)[lines(r).findIndex((l) => l.startsWith(`── ${title}`)) + 1] ?? ''

/** Every line within the width, and one line short of the height (a full screen would scroll). */
function expectFits(r: Instance, size: { columns: number; rows: number }) {
  const ls = lines(r)
  expect(ls.length, frame(r)).toBeLessThanOrEqual(size.rows - 1)
  for (const l of ls) expect(l.length, l).toBeLessThanOrEqual(size.columns)
}

describe.each(SIZES)('ledger top at $columns×$rows', (size) => {
  it('fits, and its footer always shows ? help and q quit', async () => {
    const r = mount(size)
    await until(r, '── Recent errors')
    expectFits(r, size)
    const footer = lines(r).at(-1)!
    expect(footer).toContain('? help')
    expect(footer).toContain('q quit')
    expect(footer).toContain('enter open')
    // The header keeps the connection, the status and the clock.
    expect(lines(r)[0]).toMatch(/^Ledger top .*● connected {2}healthy .*10:00:00 UTC$/)
  })

  it('shrinks columns by importance: the key prefix gives way before REQ/MIN', async () => {
    const r = mount(size)
    await until(r, '── API keys')
    const keys = headerOf(r, 'API keys')
    expect(keys).toMatch(/KEY +PROJECT .*REQ\/MIN▼ +THROTTLED +LAST USED/)
    if (size.columns < 100) expect(keys).not.toContain('PREFIX')
    else {
      expect(keys).toContain('PREFIX')
      expect(frame(r)).toContain('ldg_proj_1_abcdef0123456789')
    }
    const projects = headerOf(r, 'Projects')
    expect(projects).toMatch(/PROJECT +LOGS\/S▼ +QUEUE +ERR 5M +QUOTA TODAY/)
    expect(frame(r)).toMatch(/900k\/1\.0M 90%/)
    expectFits(r, size)
  })

  it('marks the sorted column of each table', async () => {
    const r = mount(size)
    await until(r, 'LOGS/S▼')
    await press(r, 's')
    await until(r, 'QUEUE▼')
    expect(headerOf(r, 'Projects')).not.toContain('LOGS/S▼')
    await press(r, 's', 's')
    await until(r, /QUOTA( TODAY)?▼/)
    await press(r, 's')
    await until(r, 'PROJECT▼')
    await press(r, KEY.tab, 's')
    await until(r, 'THROTTLED▼')
    expect(headerOf(r, 'API keys')).not.toContain('REQ/MIN▼')
    await press(r, 's', 's')
    expect(await until(r, 'KEY▼')).toContain('KEY▼')
    expectFits(r, size)
  })
})

describe.each(SIZES)('ledger top at $columns×$rows: the panes share the height', (size) => {
  it('gives projects and keys the rows they have and the rest to the errors, asking for enough of them', async () => {
    const asked: number[] = []
    const r = mount(size, (q) => {
      asked.push(Number(q.errors))
      return data(Number(q.errors) - 2)
    })
    await until(r, '── Recent errors')
    await until(r, 'error number 0')
    const ls = lines(r)
    const title = (t: string) => ls.findIndex((l) => l.startsWith(`── ${t}`))
    // No empty row anywhere: every pane is full down to the footer.
    expect(ls.slice(0, -1).filter((l) => l.trim() === ''), frame(r)).toEqual([])
    expect(ls.length).toBe(size.rows - 1)
    const projectRows = title('API keys') - title('Projects') - 2
    const keyRows = title('Recent errors') - title('API keys') - 2
    const errorRows = ls.length - 1 - title('Recent errors') - 1
    if (size.rows >= 30) {
      // Room for everything: all 3 projects and 3 keys; the errors take the rest.
      expect([projectRows, keyRows]).toEqual([3, 3])
      expect(errorRows).toBe(size.rows - 1 - 3 - 5 - 6)
    } else expect(projectRows + keyRows + errorRows).toBe(size.rows - 1 - 3 - 5)
    expect(asked.at(-1)).toBeGreaterThanOrEqual(errorRows)
  })
})

/** A log with every field, a stack trace of 30 frames and attributes. */
function fullLog(id: number, projectId: number, message: string) {
  return {
    ...errorLog(id, projectId, message, 'error', '2025-10-17T09:58:00Z'),
    received_at: '2025-10-17T09:59:59.250Z',
    error_type: 'CardError',
    error_message: 'the card was declined by the issuer',
    stack_trace: Array.from({ length: 30 }, (_, i) => `    at frame${i} (/srv/app/payments.js:${i + 1}:7)`).join('\n'),
    environment: 'production',
    release: '2025.10.1',
    platform: 'node',
    platform_version: '20.19.0',
    sdk_version: 'ledger-js 1.2.3',
    attributes: { order_id: 'o-123', amount: 42 },
  }
}

describe.each(SIZES)('ledger top at $columns×$rows: help, log detail, scrolling', (size) => {
  it('shows the whole help within the screen, scrolled with ↑ ↓ when taller, and closes it', async () => {
    const r = mount(size)
    await until(r, '── Recent errors')
    await press(r, '?')
    await until(r, /^Keys$/m)
    // The header stays on top (the old help pushed it off the screen) and nothing spills.
    expect(lines(r)[0]).toMatch(/^Ledger top /)
    expect(lines(r).at(-1)).toContain('esc or ? close  q quit')
    expectFits(r, size)
    // Every key has a line of its own, found by scrolling to the end when it does not fit.
    const seen = new Set<string>()
    for (let i = 0; i < 40; i++) {
      for (const l of lines(r)) seen.add(l)
      if (!/ of \d+ · ↑ ↓ scroll/.test(frame(r)) || frame(r).includes('Times are this machine')) break
      const before = frame(r)
      await press(r, KEY.down)
      await waitFor(() => frame(r) !== before)
      expectFits(r, size)
    }
    for (const k of ['↑ ↓  j k', 'tab  shift-tab', 'enter', 'esc', 'q  ctrl-c'])
      expect([...seen].some((l) => l.startsWith(`  ${k} `)), k).toBe(true)
    expect([...seen].some((l) => l.includes('Times are this machine'))).toBe(true)
    if (size.rows < 30) expect(frame(r)).toMatch(/── \d+–\d+ of \d+ · ↑ ↓ scroll/)
    await press(r, KEY.escape)
    await until(r, '── Projects')
  })

  it("opens an error's full detail with enter, scrolls a long one, and goes back with esc", async () => {
    const o = data()
    o.recent_errors.unshift(fullLog(150, 2, 'payment failed'))
    const r = mount(size, o)
    await until(r, 'payment failed')
    await press(r, KEY.tab, KEY.tab, KEY.enter)
    await until(r, '── Log 150 · payments')
    const f = await until(r, /^Time +2025-10-17T09:58:00Z$/m)
    expect(f).toMatch(/^Received +2025-10-17T09:59:59\.250Z$/m)
    expect(f).toMatch(/^Message +payment failed$/m)
    expect(f).toMatch(/^Error +CardError: the card was declined by the issuer$/m)
    expect(f).toMatch(/^Stack +at frame0 \(\/srv\/app\/payments\.js:1:7\)$/m)
    expect(lines(r).at(-1)).toContain('esc back')
    expectFits(r, size)
    // 30 frames and the attributes do not fit: the end is reached by scrolling.
    expect(frame(r)).not.toContain('"order_id": "o-123"')
    await press(r, KEY.pageDown, KEY.end)
    await until(r, '"order_id": "o-123"')
    expect(frame(r)).toMatch(/── \d+–\d+ of \d+ · ↑ ↓ scroll/)
    expectFits(r, size)
    await press(r, KEY.escape)
    await until(r, '── Recent errors')
    expect(frame(r)).toMatch(/^> \d\d:\d\d:\d\d payments +ERROR +payment failed/m)
  })

  it('scrolls the errors pane with the selection, and a project\'s latest logs open in full too', async () => {
    const asked: OverviewQuery[] = []
    const r = mount(size, (q) => {
      asked.push(q)
      const o = data(60)
      if (!q.project) return o
      return { ...o, project: { slug: q.project, series: o.ingest.series, error_series: o.ingest.series, recent_logs: o.recent_errors.slice(0, 40) } }
    })
    await until(r, 'error number 0')
    await press(r, KEY.tab, KEY.tab)
    await until(r, /^> .*card declined upstream/m)
    for (let i = 0; i < 45; i++) await press(r, KEY.down)
    // The 46th error (error number 43, after the fixture's two) is selected and shown, and the
    // pane's title says which of the 62 rows it shows.
    await until(r, /^> .*error number 43$/m)
    const errorsTitle = lines(r).find((l) => l.startsWith('── Recent errors'))!
    const shownRows = Number(/ (\d+)–46 of 62 ──$/.exec(errorsTitle)?.[1] ?? NaN)
    expect(errorsTitle).toMatch(/ \d+–46 of 62 ──$/)
    expect(shownRows).toBeGreaterThan(1)
    expect(frame(r)).not.toContain('card declined upstream')
    expectFits(r, size)
    await press(r, KEY.enter)
    await until(r, /^Message +error number 43$/m)
    await press(r, KEY.escape, KEY.tab)
    // The project screen: its latest logs are a list of their own.
    await press(r, KEY.enter)
    await until(r, '── Latest logs')
    await until(r, /^> .*card declined upstream/m)
    // As many logs asked for as the pane has rows: 40 fill it at every size here.
    expect(asked.at(-1)).toMatchObject({ project: 'api' })
    expect(Number(asked.at(-1)!.logs)).toBeGreaterThanOrEqual(size.rows - 12)
    expect(lines(r).slice(0, -1).filter((l) => l.trim() === '')).toEqual([])
    for (let i = 0; i < 30; i++) await press(r, KEY.down)
    await until(r, /^> .*error number 28$/m)
    expectFits(r, size)
    await press(r, KEY.enter)
    await until(r, /^Message +error number 28$/m)
    await press(r, KEY.escape)
    await until(r, '── Latest logs')
    await press(r, KEY.escape)
    await until(r, '── Recent errors')
  })
})

describe('column widths', () => {
  it('shows the first columns that matter when very narrow, never a line wider than the terminal', async () => {
    const size = { columns: 40, rows: 15 }
    const r = mount(size)
    await until(r, '── API keys')
    expect(headerOf(r, 'API keys')).toMatch(/^ {2}KEY +REQ\/MIN▼/)
    expectFits(r, size)
  })
})

