import { Box } from 'ink'
import type { Log } from '../../contract/ingest.js'
import type { Overview, OverviewKey, OverviewProject } from '../../contract/stats.js'
import { KeysTable } from '../components/KeysTable.js'
import { LogList } from '../components/LogList.js'
import { PaneTitle, panePosition } from '../components/PaneTitle.js'
import { ProjectsTable } from '../components/ProjectsTable.js'
import type { Nav } from '../navigation.js'
import { KEY_SORTS, PROJECT_SORTS, slugOf } from '../view.js'

export interface OverviewScreenProps {
  readonly data: Overview
  readonly nav: Nav
  readonly projects: readonly OverviewProject[]
  readonly keys: readonly OverviewKey[]
  readonly errors: readonly Log[]
  /** The rows of each pane (paneHeights). */
  readonly heights: { projects: number; keys: number; errors: number }
  readonly width: number
  /** The zone times are shown in (undefined: this machine's; `UTC` with `--utc`). */
  readonly timeZone?: string | undefined
}

/**
 * Split of the body's lines. Each pane has a title and (tables) a column header; the rows go
 * to the panes by need: projects and keys take the rows they have (up to 40% and 25% when
 * short of room), and the recent errors take the rest, so a tall terminal shows more errors
 * instead of empty rows. What one pane does not need goes to the others.
 */
export function paneHeights(
  height: number,
  counts: { projects: number; keys: number; errors: number },
): { projects: number; keys: number; errors: number } {
  const rows = Math.max(3, height - 5)
  const need = { projects: Math.max(1, counts.projects), keys: Math.max(1, counts.keys), errors: Math.max(1, counts.errors) }
  if (need.projects + need.keys + need.errors <= rows)
    return { projects: need.projects, keys: need.keys, errors: rows - need.projects - need.keys }
  let projects = Math.min(need.projects, Math.max(1, Math.floor(rows * 0.4)))
  let keys = Math.min(need.keys, Math.max(1, Math.floor(rows * 0.25)))
  let errors = Math.max(1, rows - projects - keys)
  let spare = errors - need.errors
  if (spare > 0) {
    errors = need.errors
    const toProjects = Math.min(spare, need.projects - projects)
    projects += toProjects
    spare -= toProjects
    const toKeys = Math.min(spare, need.keys - keys)
    keys += toKeys
    errors += spare - toKeys
  }
  return { projects, keys, errors }
}

/** The main view: projects, keys and recent errors; tab moves the focus between them. */
export function OverviewScreen({ data, nav, projects, keys, errors, heights: h, width, timeZone }: OverviewScreenProps) {
  const filtered = nav.filter ? `filter "${nav.filter}"` : undefined
  const detail = (count: number, total: number, sort?: string) =>
    [count === total ? `${total}` : `${count} of ${total}`, sort && `sort: ${sort} ▼`, filtered]
      .filter(Boolean)
      .join(' · ')
  return (
    <Box flexDirection="column" width={width}>
      <PaneTitle
        title="Projects"
        detail={detail(projects.length, data.projects.length, PROJECT_SORTS[nav.sort.projects]!.label)}
        focused={nav.pane === 'projects'}
        width={width}
        position={panePosition(projects.findIndex((p) => p.slug === nav.selected.projects), projects.length, h.projects)}
      />
      <ProjectsTable
        projects={projects}
        selected={nav.selected.projects}
        focused={nav.pane === 'projects'}
        sort={PROJECT_SORTS[nav.sort.projects]!.label}
        width={width}
        height={h.projects}
      />
      <PaneTitle
        title="API keys"
        detail={detail(keys.length, data.keys.length, KEY_SORTS[nav.sort.keys]!.label)}
        focused={nav.pane === 'keys'}
        width={width}
        position={panePosition(keys.findIndex((k) => k.key_id === nav.selected.keys), keys.length, h.keys)}
      />
      <KeysTable
        keys={keys}
        selected={nav.selected.keys}
        focused={nav.pane === 'keys'}
        now={data.daemon.now}
        sort={KEY_SORTS[nav.sort.keys]!.label}
        width={width}
        height={h.keys}
      />
      <PaneTitle
        title="Recent errors"
        detail={['error + critical, by arrival', filtered].filter(Boolean).join(' · ')}
        focused={nav.pane === 'errors'}
        width={width}
        position={panePosition(errors.findIndex((l) => l.id === nav.selected.errors), errors.length, h.errors)}
      />
      <LogList
        logs={errors}
        slugOf={(id) => slugOf(data.projects, id)}
        showProject
        selected={nav.selected.errors}
        focused={nav.pane === 'errors'}
        width={width}
        height={h.errors}
        empty="no errors"
        now={data.daemon.now}
        timeZone={timeZone}
      />
    </Box>
  )
}
