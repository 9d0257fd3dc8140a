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
  | 'ctrl-c'
  | { char: string }

/** Where the user is and what they see: everything but the data. */
export interface Nav {
  screen: 'overview' | 'project'
  help: boolean
  pane: Pane
  /** The selected row of each pane, by identity (it follows its row when the order changes). */
  selected: { projects: string | null; keys: number | null; errors: number | null }
  sort: { projects: number; keys: number }
  filter: string
  editingFilter: boolean
  paused: boolean
  /** The slug the project screen shows. */
  project: string | null
}

export const INITIAL_NAV: Nav = {
  screen: 'overview',
  help: false,
  pane: 'projects',
  selected: { projects: null, keys: null, errors: null },
  sort: { projects: 0, keys: 0 },
  filter: '',
  editingFilter: false,
  paused: false,
  project: null,
}

/** The rows as shown (filtered and sorted), which moving and opening act on. */
export interface Visible {
  projects: readonly string[]
  keys: ReadonlyArray<{ id: number; slug: string }>
  errors: ReadonlyArray<{ id: number; slug: string }>
}

/** The next navigation state after a key press, or `quit`. */
export function navigate(nav: Nav, key: KeyPress, rows: Visible): Nav | 'quit' {
  if (key === 'ctrl-c') return 'quit'
  if (nav.editingFilter) return editFilter(nav, key)
  if (nav.help) {
    if (key === 'escape' || key === 'enter' || (typeof key === 'object' && (key.char === '?' || key.char === 'h')))
      return { ...nav, help: false }
    if (typeof key === 'object' && key.char === 'q') return 'quit'
    return nav
  }
  if (typeof key === 'object') {
    switch (key.char) {
      case 'q':
        return 'quit'
      case '?':
        return { ...nav, help: true }
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

/** The pane arrows act on: the project screen scrolls nothing but its own list of logs. */
function move(nav: Nav, step: number, rows: Visible): Nav {
  if (nav.screen !== 'overview') return nav
  const pane = nav.pane
  const ids: ReadonlyArray<string | number> =
    pane === 'projects' ? rows.projects : (pane === 'keys' ? rows.keys : rows.errors).map((r) => r.id)
  if (ids.length === 0) return nav
  // Nothing selected (or the selection is gone): the first row is, as the table shows it.
  const current = Math.max(0, ids.indexOf(nav.selected[pane] as never))
  const next = Math.max(0, Math.min(ids.length - 1, current + step))
  return { ...nav, selected: { ...nav.selected, [pane]: ids[next] } }
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

function open(nav: Nav, rows: Visible): Nav {
  if (nav.screen !== 'overview') return nav
  const slug = selectedSlug(nav, rows)
  return slug ? { ...nav, screen: 'project', project: slug } : nav
}
