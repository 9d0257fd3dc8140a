import { Box, Text, useApp } from 'ink'
import { useMemo, useRef, useState } from 'react'
import { Footer } from './components/Footer.js'
import { Header } from './components/Header.js'
import type { ClassifyError } from './fetch-errors.js'
import { type FetchOverview, useOverview } from './hooks/use-overview.js'
import { useKeys } from './hooks/use-keys.js'
import { type TerminalSize, useTerminalSize } from './hooks/use-terminal-size.js'
import { INITIAL_NAV, type KeyPress, type Nav, navigate, type Visible } from './navigation.js'
import type { Log } from '../contract/ingest.js'
import { scrollWindow } from './components/Row.js'
import { HelpScreen, helpLines } from './screens/help-screen.js'
import { LogScreen, logDetailLines } from './screens/log-screen.js'
import { OverviewScreen, paneHeights } from './screens/overview-screen.js'
import { ProjectScreen, projectLayout } from './screens/project-screen.js'
import { slugOf, visibleErrors, visibleKeys, visibleProjects } from './view.js'

export interface AppProps {
  /** Where the figures come from (the client's `statsOverview` in `ledger top`). */
  readonly fetchOverview: FetchOverview
  /** Says what a failed refresh means: `classifyFetchError` of the caller's copy of the client. */
  readonly classifyError: ClassifyError
  /** The daemon's URL, shown in the header. */
  readonly url: string
  /** Time between two refreshes (default 1000 ms). */
  readonly intervalMs?: number
  /** A fixed screen size instead of the terminal's (tests). */
  readonly size?: TerminalSize
  /** The project screen to open at start. */
  readonly project?: string | undefined
  /** The zone times are shown in: an IANA name (`UTC` for `--utc`); undefined: this machine's (`TZ`). */
  readonly timeZone?: string | undefined
}

/**
 * Recent errors (and a project's latest logs) asked for: enough to fill their pane at this
 * terminal's height (20 to the API's most, 100).
 */
const rowsWanted = (rows: number) => Math.min(100, Math.max(20, rows))

/**
 * `ledger top`: loads the overview every second (through `fetchOverview`), owns navigation
 * (screen, focused pane, selections, sort, filter, pause, help) and lays the screens out to
 * the terminal's size.
 */
export function App({ fetchOverview, classifyError, url, intervalMs = 1000, size: fixedSize, project, timeZone }: AppProps) {
  const { exit } = useApp()
  const size = useTerminalSize(fixedSize)
  const [nav, setNav] = useState<Nav>(() =>
    project ? { ...INITIAL_NAV, screen: 'project', project } : INITIAL_NAV,
  )
  // Keys can arrive faster than React renders: each is applied to the latest state, not the
  // one of the last render.
  const navRef = useRef(nav)
  const state = useOverview(fetchOverview, {
    project: nav.screen === 'project' ? nav.project : null,
    errors: rowsWanted(size.rows),
    logs: rowsWanted(size.rows),
    intervalMs,
    paused: nav.paused,
    classifyError,
  })
  const { data } = state

  const lists = useMemo(() => {
    if (!data) return { projects: [], keys: [], errors: [] }
    return {
      projects: visibleProjects(data.projects, nav.filter, nav.sort.projects),
      keys: visibleKeys(data.keys, data.projects, nav.filter, nav.sort.keys),
      errors: visibleErrors(data.recent_errors, data.projects, nav.filter),
    }
  }, [data, nav.filter, nav.sort.projects, nav.sort.keys])
  const width = Math.max(20, size.columns)
  // One line short of the terminal: a frame as tall as the screen makes it scroll.
  const bodyHeight = Math.max(4, size.rows - 1 - (state.error ? 3 : 2) - 1)
  const heights = paneHeights(bodyHeight, { projects: lists.projects.length, keys: lists.keys.length, errors: lists.errors.length })
  const projectLogs = data && nav.screen === 'project' && data.project?.slug === nav.project ? data.project.recent_logs : []
  const slugOfLog = (l: Log) => (data ? slugOf(data.projects, l.project_id) : '')
  const rows: Visible = {
    projects: lists.projects.map((p) => p.slug),
    keys: lists.keys.map((k) => ({ id: k.key_id, slug: k.project_slug })),
    errors: lists.errors.map((l) => ({ id: l.id, slug: slugOfLog(l), log: l })),
    logs: projectLogs.map((l) => ({ id: l.id, slug: slugOfLog(l), log: l })),
    page: nav.screen === 'project' ? projectLayout(bodyHeight, 0).logRows : heights[nav.pane],
    scrollMax: nav.help
      ? scrollWindow(helpLines(width).length, bodyHeight, 0).max
      : nav.detail
        ? scrollWindow(logDetailLines(nav.detail.log, nav.detail.slug, width, timeZone).length, bodyHeight - 1, 0).max
        : 0,
  }
  const rowsRef = useRef(rows)
  rowsRef.current = rows

  useKeys((key: KeyPress) => {
    const next = navigate(navRef.current, key, rowsRef.current)
    if (next === 'quit') {
      exit()
      return
    }
    navRef.current = next
    setNav(next)
  })

  let body
  if (nav.help) body = <HelpScreen width={width} height={bodyHeight} scroll={nav.scroll} />
  else if (nav.detail)
    body = <LogScreen log={nav.detail.log} slug={nav.detail.slug} width={width} height={bodyHeight} scroll={nav.scroll} timeZone={timeZone} />
  else if (!data)
    body = <Text dimColor>{state.error ? 'Waiting for the daemon…' : `Connecting to ${url}…`}</Text>
  else if (nav.screen === 'project' && nav.project)
    body = <ProjectScreen data={data} slug={nav.project} selected={nav.selected.logs} width={width} height={bodyHeight} timeZone={timeZone} />
  else
    body = (
      <OverviewScreen
        data={data}
        nav={nav}
        projects={lists.projects}
        keys={lists.keys}
        errors={lists.errors}
        heights={heights}
        width={width}
        timeZone={timeZone}
      />
    )

  return (
    <Box flexDirection="column" width={width} height={size.rows - 1}>
      <Header
        url={url}
        data={data}
        error={state.error}
        failures={state.failures}
        paused={nav.paused}
        width={width}
        timeZone={timeZone}
      />
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        {body}
      </Box>
      <Footer
        screen={nav.help ? 'help' : nav.detail ? 'detail' : nav.screen}
        filter={nav.filter}
        editingFilter={nav.editingFilter}
        width={width}
      />
    </Box>
  )
}
