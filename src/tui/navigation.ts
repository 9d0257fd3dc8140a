import type { Log } from '../contract/ingest.js'
import { KEY_SORTS, PROJECT_SORTS } from './view.js'

export const PANES = ['projects', 'keys', 'errors'] as const
export type Pane = (typeof PANES)[number]

/** A key press, as `use-keys` names it. */
export type KeyPress =
  | 'up'
  | 'down'
  | 'tab'
  | 'shift-tab'
  | 'enter'
  | 'escape'
  | 'backspace'
  | 'pageup'
  | 'pagedown'
  | 'home'
  | 'end'
  | 'ctrl-c'
  | { char: string }

/** Where the user is and what they see: everything but the data. */
export interface Nav {
  screen: 'overview' | 'project'
  help: boolean
  pane: Pane
  /**
   * The selected row of each pane, by identity (it follows its row when the order changes);
   * `logs` is the project screen's list of latest logs.
   */
  selected: { projects: string | null; keys: number | null; errors: number | null; logs: number | null }
  sort: { projects: number; keys: number }
  filter: string
  editingFilter: boolean
  paused: boolean
  /** The slug the project screen shows. */
  project: string | null
  /** The log whose full detail is open (over the screen it was opened from), or null. */
  detail: { log: Log; slug: string } | null
  /** The first line shown of the help or of the log detail. */
  scroll: number
}

export const INITIAL_NAV: Nav = {
  screen: 'overview',
  help: false,
  pane: 'projects',
  selected: { projects: null, keys: null, errors: null, logs: null },
  sort: { projects: 0, keys: 0 },
  filter: '',
  editingFilter: false,
  paused: false,
  project: null,
  detail: null,
  scroll: 0,
}

/** The rows as shown (filtered and sorted), which moving and opening act on. */
export interface Visible {
  projects: readonly string[]
  keys: ReadonlyArray<{ id: number; slug: string }>
  errors: ReadonlyArray<{ id: number; slug: string; log: Log }>
  /** The project screen's latest logs. */
  logs: ReadonlyArray<{ id: number; slug: string; log: Log }>
  /** Rows a page key moves by: the focused list's height. */
  page: number
  /** The last first line the help or the log detail may scroll to (its lines less the screen's). */
  scrollMax: number
}

/** The next navigation state after a key press, or `quit`. */
export function navigate(nav: Nav, key: KeyPress, rows: Visible): Nav | 'quit' {
  if (key === 'ctrl-c') return 'quit'
  if (nav.editingFilter) return editFilter(nav, key)
  if (nav.help) {
    if (key === 'escape' || key === 'enter' || (typeof key === 'object' && (key.char === '?' || key.char === 'h')))
      return { ...nav, help: false, scroll: 0 }
    if (typeof key === 'object' && key.char === 'q') return 'quit'
    return scroll(nav, key, rows)
  }
  if (nav.detail) return onDetail(nav, key, rows)
  if (typeof key === 'object') {
    switch (key.char) {
      case 'q':
        return 'quit'
      case '?':
        return { ...nav, help: true, scroll: 0 }
      case 'p':
        return { ...nav, paused: !nav.paused }
      case 'j':
        return move(nav, 1, rows)
      case 'k':
        return move(nav, -1, rows)
      case '/':
        return { ...nav, editingFilter: true }
      case 's':
        return cycleSort(nav)
      default:
        return nav
    }
  }
  switch (key) {
    case 'up':
      return move(nav, -1, rows)
    case 'down':
      return move(nav, 1, rows)
    case 'pageup':
      return move(nav, -rows.page, rows)
    case 'pagedown':
      return move(nav, rows.page, rows)
    case 'home':
      return move(nav, -Infinity, rows)
    case 'end':
      return move(nav, Infinity, rows)
    case 'tab':
    case 'shift-tab': {
      if (nav.screen !== 'overview') return nav
      const step = key === 'tab' ? 1 : PANES.length - 1
      return { ...nav, pane: PANES[(PANES.indexOf(nav.pane) + step) % PANES.length]! }
    }
    case 'enter':
      return open(nav, rows)
    case 'escape':
    case 'backspace':
      if (nav.screen === 'project') return { ...nav, screen: 'overview', project: null }
      return nav.filter ? { ...nav, filter: '' } : nav
    default:
      return nav
  }
}

function editFilter(nav: Nav, key: KeyPress): Nav {
  if (key === 'enter') return { ...nav, editingFilter: false }
  if (key === 'escape') return { ...nav, editingFilter: false, filter: '' }
  if (key === 'backspace') return { ...nav, filter: nav.filter.slice(0, -1) }
  if (typeof key === 'object' && key.char.length > 0 && !/[\x00-\x1f]/.test(key.char))
    return { ...nav, filter: (nav.filter + key.char).slice(0, 64) }
  return nav
}

function cycleSort(nav: Nav): Nav {
  if (nav.pane === 'keys') return { ...nav, sort: { ...nav.sort, keys: (nav.sort.keys + 1) % KEY_SORTS.length } }
  return { ...nav, sort: { ...nav.sort, projects: (nav.sort.projects + 1) % PROJECT_SORTS.length } }
}

/** The list arrows act on: the focused pane of the overview, the latest logs of a project. */
function move(nav: Nav, step: number, rows: Visible): Nav {
  const list = nav.screen === 'project' ? 'logs' : nav.pane
  const ids: ReadonlyArray<string | number> =
    list === 'projects' ? rows.projects : (list === 'logs' ? rows.logs : list === 'keys' ? rows.keys : rows.errors).map((r) => r.id)
  if (ids.length === 0) return nav
  // Nothing selected (or the selection is gone): the first row is, as the table shows it.
  const current = Math.max(0, ids.indexOf(nav.selected[list] as never))
  const next = Math.max(0, Math.min(ids.length - 1, current + step))
  return { ...nav, selected: { ...nav.selected, [list]: ids[next] } }
}

/** The help or the log detail scrolled by a key (line, page, start, end), within its lines. */
function scroll(nav: Nav, key: KeyPress, rows: Visible): Nav {
  const page = Math.max(1, rows.page)
  const steps: Partial<Record<string, number>> = { up: -1, down: 1, pageup: -page, pagedown: page, home: -Infinity, end: Infinity }
  const step = typeof key === 'object' ? (key.char === 'j' ? 1 : key.char === 'k' ? -1 : key.char === ' ' ? page : undefined) : steps[key]
  if (step === undefined) return nav
  const at = Math.max(0, Math.min(rows.scrollMax, nav.scroll + step))
  return at === nav.scroll ? nav : { ...nav, scroll: at }
}

/** Keys on a log's detail: scroll, back (esc), its project (o), help, quit. */
function onDetail(nav: Nav, key: KeyPress, rows: Visible): Nav | 'quit' {
  if (key === 'escape' || key === 'backspace') return { ...nav, detail: null, scroll: 0 }
  if (typeof key === 'object') {
    if (key.char === 'q') return 'quit'
    if (key.char === '?') return { ...nav, help: true, scroll: 0 }
    if (key.char === 'p') return { ...nav, paused: !nav.paused }
    if (key.char === 'o' && nav.detail)
      return { ...nav, detail: null, scroll: 0, screen: 'project', project: nav.detail.slug, selected: { ...nav.selected, logs: null } }
  }
  return scroll(nav, key, rows)
}

/** The project of the selected row (a project, a key's project, an error's project). */
export function selectedSlug(nav: Nav, rows: Visible): string | null {
  if (nav.pane === 'projects') {
    const s = nav.selected.projects
    return s !== null && rows.projects.includes(s) ? s : (rows.projects[0] ?? null)
  }
  const list = nav.pane === 'keys' ? rows.keys : rows.errors
  const id = nav.selected[nav.pane]
  return (list.find((r) => r.id === id) ?? list[0])?.slug ?? null
}

/** The selected row of a list of logs (the first when the selection is gone). */
function selectedLog(list: Visible['logs'], id: number | null) {
  return list.find((r) => r.id === id) ?? list[0]
}

/** Enter: a log (an error, a project's log) opens its detail; a project or a key, the project. */
function open(nav: Nav, rows: Visible): Nav {
  const row =
    nav.screen === 'project' ? selectedLog(rows.logs, nav.selected.logs) : nav.pane === 'errors' ? selectedLog(rows.errors, nav.selected.errors) : undefined
  if (row) return { ...nav, detail: { log: row.log, slug: row.slug }, scroll: 0 }
  if (nav.screen !== 'overview' || nav.pane === 'errors') return nav
  const slug = selectedSlug(nav, rows)
  return slug ? { ...nav, screen: 'project', project: slug, selected: { ...nav.selected, logs: null } } : nav
}
