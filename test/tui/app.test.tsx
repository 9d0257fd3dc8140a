import { render } from 'ink-testing-library'
import { afterEach, describe, expect, it } from 'vitest'
import { LedgerApiError, LedgerConnectionError } from '../../src/client/index.js'
import type { Overview, OverviewQuery } from '../../src/contract/stats.js'
import { App } from '../../src/tui/app.js'
import { classifyFetchError } from '../../src/tui/fetch-errors.js'
import { waitFor } from '../helpers/daemon.js'
import { errorLog, overview } from './fixtures.js'

const URL = 'http://127.0.0.1:8123'
const KEY = { up: '\u001B[A', down: '\u001B[B', tab: '\t', enter: '\r', escape: '\u001B', backspace: '\u007F' }

type Instance = ReturnType<typeof render>
let mounted: Instance[] = []
afterEach(() => {
  for (const r of mounted) r.unmount()
  mounted = []
})

/** A data source answering with `data` (and the project part for `?project=`), counting calls. */
function source(data: Overview | (() => Overview) = overview()) {
  const calls: OverviewQuery[] = []
  const fetchOverview = async (q: OverviewQuery): Promise<Overview> => {
    calls.push(q)
    const o = typeof data === 'function' ? data() : data
    if (!q.project) return o
    const p = o.projects.find((x) => x.slug === q.project)!
    return {
      ...o,
      recent_errors: o.recent_errors.filter((l) => l.project_id === p.project_id),
      project: {
        slug: p.slug,
        series: o.ingest.series,
        error_series: o.ingest.series.map(() => 0),
        recent_logs: [errorLog(900, p.project_id, `latest of ${p.slug}`, 'info')],
      },
    }
  }
  return { calls, fetchOverview }
}

function mount(
  fetchOverview: (q: OverviewQuery) => Promise<Overview>,
  intervalMs = 1000,
  { size = { columns: 120, rows: 36 }, timeZone = 'UTC' }: { size?: { columns: number; rows: number }; timeZone?: string } = {},
) {
  const r = render(
    <App fetchOverview={fetchOverview} classifyError={classifyFetchError} url={URL} intervalMs={intervalMs} size={size} timeZone={timeZone} />,
  )
  mounted.push(r)
  return r
}

const frame = (r: Instance) => r.lastFrame() ?? ''
/**
 * Waits for a frame showing `what`, and returns that frame: each fragment a test asserts is
 * waited for, since Ink may draw one part of a change a frame before another.
 */
const until = (r: Instance, what: string | RegExp, timeoutMs = 5000): Promise<string> =>
  waitFor(
    () => {
      const f = frame(r)
      return (typeof what === 'string' ? f.includes(what) : what.test(f)) && f
    },
    timeoutMs,
    `a frame with ${what}:\n${frame(r)}`,
  )
/** The lines of the projects table (between its title and the keys' title). */
const projectRows = (r: Instance) => {
  const lines = frame(r).split('\n')
  const start = lines.findIndex((l) => l.includes('── Projects'))
  const end = lines.findIndex((l) => l.includes('── API keys'))
  return lines.slice(start + 2, end).map((l) => l.trim().split(/\s+/)[l.trim().startsWith('>') ? 1 : 0])
}
const selectedLine = (r: Instance) => frame(r).split('\n').find((l) => l.startsWith('> ')) ?? ''
const press = async (r: Instance, ...keys: string[]) => {
  for (const k of keys) {
    r.stdin.write(k)
    // Each key is its own chunk: a lone ESC is told apart from a sequence by the next tick.
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('ledger top screen (known data)', () => {
  it('draws the header, the projects with queue bars and quota, the keys, the errors and the footer', async () => {
    const r = mount(source().fetchOverview)
    await until(r, 'payments')
    const header = `Ledger top  ${URL}  ● connected  healthy  v9.8.7  up 2h 5m  10:00:00 UTC`
    expect(await until(r, header)).toContain(header)
    const ingest = /Ingest 7\.7 logs\/s +[▁▂▃▄▅▆▇█ ]*█ last 5m {2}5m: 77 logs, 6 errors {2}queue 910/
    expect(await until(r, ingest)).toMatch(ingest)
    expect(await until(r, '── Projects · 3 · sort: logs/s ▼')).toContain('── Projects · 3 · sort: logs/s ▼')
    for (const row of [
      /> api +5\.5 +10 ░{10} +1 +900k\/1\.0M 90%/,
      /payments +2\.2 +900 █{9}░ +5 +0\/1\.0M 0%/,
      /web +0\.0 +0 ░{10} +0 +10\/1\.0M 0%/,
      /api-prod +api +ldg_proj_1_abcdef +420\/1000 +0 +5s ago/,
      /pay-worker +payments +ldg_proj_2_abcdef +3\/1000 +17 +3m ago/,
      /09:59:58 payments +ERROR +card declined upstream/,
      /09:59:50 api +CRITICAL +database connection lost/,
    ])
      expect(await until(r, row)).toMatch(row)
    const footer = '↑↓/jk move  tab pane  s sort  / filter  enter open  p pause  ? help  q quit'
    const f = await until(r, footer)
    expect(f).toContain(footer)
    // Never taller than the terminal (one line short, so it does not scroll).
    expect(f.split('\n').length).toBeLessThanOrEqual(35)
  })

  it('shows times in the zone it is given (local by default, UTC with --utc), a back-dated error with its day', async () => {
    const data = overview()
    data.recent_errors.push(errorLog(103, 3, 'replayed from yesterday', 'error', '2025-10-16T09:00:00Z'))
    const r = mount(source(data).fetchOverview, 1000, { timeZone: 'Asia/Tokyo' })
    expect(await until(r, 'up 2h 5m  19:00:00 GMT+9')).toContain('up 2h 5m  19:00:00 GMT+9')
    expect(await until(r, /^ {2}18:59:58 +payments +ERROR +card declined upstream/m)).toMatch(/^ {2}18:59:58 +payments/m)
    expect(frame(r)).toMatch(/^ {2}Oct 16 18:00 web +ERROR +replayed from yesterday/m)
  })

  it('cycles the sort column with s: logs/s, queue, errors, quota, slug', async () => {
    const r = mount(source().fetchOverview)
    await until(r, 'payments')
    expect(projectRows(r)).toEqual(['api', 'payments', 'web'])
    await press(r, 's')
    await until(r, 'sort: queue ▼')
    expect(projectRows(r)).toEqual(['payments', 'api', 'web'])
    await press(r, 's')
    await until(r, 'sort: errors ▼')
    expect(projectRows(r)).toEqual(['payments', 'api', 'web'])
    await press(r, 's')
    await until(r, 'sort: quota ▼')
    expect(projectRows(r)).toEqual(['api', 'web', 'payments'])
    await press(r, 's')
    await until(r, 'sort: slug ▼')
    expect(projectRows(r)).toEqual(['api', 'payments', 'web'])
    await press(r, 's')
    await until(r, 'sort: logs/s ▼')
  })

  it('moves the selection with ↑/↓ and j/k, and tab moves the focus to keys, then errors', async () => {
    const r = mount(source().fetchOverview)
    await until(r, 'payments')
    expect(selectedLine(r)).toMatch(/^> api /)
    await press(r, KEY.down)
    await until(r, /^> payments /m)
    await press(r, 'j', 'j')
    await until(r, /^> web /m)
    await press(r, 'k', KEY.up, KEY.up)
    await until(r, /^> api /m)

    await press(r, KEY.tab)
    await until(r, /^> api-prod /m)
    // s now sorts the keys table: by throttled puts pay-worker first.
    await press(r, 's')
    await until(r, 'sort: throttled ▼')
    await until(r, /^> pay-worker /m)
    await press(r, KEY.tab)
    await until(r, /^> 09:59:58 payments/m)
    await press(r, KEY.down)
    await until(r, /^> 09:59:50 api/m)
    await press(r, KEY.tab)
    await until(r, /^> api /m)
  })

  it('filters by project with /, keeps the filter on enter and clears it with esc', async () => {
    const r = mount(source().fetchOverview)
    await until(r, 'payments')
    await press(r, '/', 'p', 'a', 'y')
    await until(r, 'filter projects: pay')
    await press(r, KEY.enter)
    // The footer says the filter is kept once enter is taken (the table filters while typing).
    await until(r, 'filter: pay (esc clears)')
    await until(r, 'Projects · 1 of 3')
    expect(projectRows(r)).toEqual(['payments'])
    expect(frame(r)).toContain('API keys · 1 of 2')
    expect(frame(r)).toContain('pay-worker')
    expect(frame(r)).not.toContain('api-prod')
    expect(frame(r)).toContain('card declined upstream')
    expect(frame(r)).not.toContain('database connection lost')
    expect(frame(r)).toContain('filter: pay (esc clears)')
    // Editing again: backspace takes a character off; esc clears the filter.
    await press(r, '/', KEY.backspace, KEY.backspace, KEY.backspace, 'w')
    await until(r, 'filter projects: w')
    await press(r, KEY.enter)
    await until(r, 'Projects · 1 of 3')
    expect(projectRows(r)).toEqual(['web'])
    await press(r, KEY.escape)
    await until(r, 'Projects · 3 ·')
    // While typing, letters are text, not commands.
    await press(r, '/', 'q', 's', KEY.escape)
    await until(r, 'Projects · 3 ·')
    expect(frame(r)).toContain('sort: logs/s')
  })

  it('opens the selected project with enter (asking for its own figures) and goes back with esc', async () => {
    const s = source()
    const r = mount(s.fetchOverview)
    await until(r, 'payments')
    await press(r, KEY.down, KEY.enter)
    await until(r, 'latest of payments')
    await until(r, 'esc back  p pause  ? help  q quit')
    const f = frame(r)
    expect(f).toContain('── Project payments · PAYMENTS')
    expect(f).toMatch(/Rate +2\.2 logs\/s/)
    expect(f).toMatch(/Errors +5 in 5m/)
    expect(f).toMatch(/Queue +900 \/ 1\.0k +█+░+ 90%/)
    expect(f).toContain('pay-worker')
    expect(f).not.toContain('api-prod')
    expect(f).toContain('esc back  p pause  ? help  q quit')
    expect(s.calls.at(-1)).toMatchObject({ project: 'payments' })
    await press(r, KEY.escape)
    await until(r, '── Projects')
    await waitFor(() => s.calls.at(-1)?.project === undefined)

    // Enter on an error opens its full detail; o there opens that error's project.
    await press(r, KEY.tab, KEY.tab, KEY.down, KEY.enter)
    await until(r, '── Log 102 · api')
    expect(await until(r, /^Message +database connection lost$/m)).toMatch(/^Level +CRITICAL · exception · importance high$/m)
    await press(r, 'o')
    await until(r, '── Project api')
  })

  it('pauses refreshing with p and resumes with p again', async () => {
    const s = source()
    const r = mount(s.fetchOverview, 20)
    await waitFor(() => s.calls.length >= 3)
    await press(r, 'p')
    await until(r, 'PAUSED')
    const n = s.calls.length
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(s.calls.length).toBe(n)
    await press(r, 'p')
    await waitFor(() => s.calls.length >= n + 3)
    expect(frame(r)).not.toContain('PAUSED')
  })

  it('shows the help with ? and closes it with esc', async () => {
    const r = mount(source().fetchOverview)
    await until(r, 'payments')
    await press(r, '?')
    await until(r, 'cycle the sort column')
    expect(await until(r, 'esc or ? close  q quit')).toContain('esc or ? close  q quit')
    expect(frame(r)).not.toContain('── Projects')
    await press(r, KEY.escape)
    await until(r, '── Projects')
  })

  it('redraws with new figures each refresh', async () => {
    let rate = 1
    const r = mount(source(() => overview({ ingest: { ...overview().ingest, logs_per_second: rate++ } })).fetchOverview, 20)
    const shown = () => Number(/Ingest (\d+)\.0 logs\/s/.exec(frame(r))?.[1] ?? 0)
    await waitFor(() => shown() >= 2)
    const before = shown()
    await waitFor(() => shown() >= before + 2)
  })

  it('says when the daemon is away, keeps the last figures, and reconnects by itself', async () => {
    let up = true
    const s = source()
    const r = mount(async (q) => {
      if (!up) throw new LedgerConnectionError(URL, new Error('connect ECONNREFUSED'))
      return s.fetchOverview(q)
    }, 20)
    await until(r, '● connected')
    up = false
    await until(r, '● disconnected')
    await until(r, /Daemon unreachable at http:\/\/127\.0\.0\.1:8123: retrying every second \([2-9]\d* failed\)/)
    expect(await until(r, 'figures below are from 10:00:00')).toContain('figures below are from 10:00:00')
    expect(await until(r, 'payments')).toContain('payments')
    // The last status received is no longer news: never "disconnected  healthy".
    expect(frame(r).split('\n')[0]).toBe(`Ledger top  ${URL}  ● disconnected`)
    expect(frame(r)).not.toContain('healthy')
    up = true
    await until(r, '● connected')
    expect(frame(r)).not.toContain('unreachable')
  })

  it('starts disconnected when the daemon is not there yet, and says so', async () => {
    const r = mount(async () => {
      throw new LedgerConnectionError(URL, new Error('connect ECONNREFUSED'))
    }, 20)
    await until(r, '● disconnected')
    expect(await until(r, 'Waiting for the daemon…')).toContain('Waiting for the daemon…')
  })

  it('shows what the daemon refused with (an expired session) and keeps trying', async () => {
    const r = mount(async () => {
      throw new LedgerApiError(401, 'Invalid or expired access token', {})
    }, 20)
    await until(r, 'The daemon refused: Invalid or expired access token (HTTP 401); retrying')
    expect(await until(r, '● error')).toContain('● error')
  })

  it('quits on q: nothing is fetched any more', async () => {
    const s = source()
    const r = mount(s.fetchOverview, 20)
    await until(r, 'payments')
    await press(r, 'q')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const n = s.calls.length
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(s.calls.length).toBe(n)
  })
})
