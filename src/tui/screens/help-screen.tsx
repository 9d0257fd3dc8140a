import { Box, Text } from 'ink'
import { scrollWindow } from '../components/Row.js'
import { wrap } from '../format.js'

const KEYS: ReadonlyArray<[string, string]> = [
  ['↑ ↓  j k', 'move the selection in the focused pane (on a project: its latest logs)'],
  ['pgup pgdn', 'a page up or down; home and end: the first and last row'],
  ['tab  shift-tab', 'focus the next (previous) pane: projects, API keys, recent errors'],
  ['s', 'cycle the sort column of the focused table (its header is marked ▼)'],
  ['/', 'filter by project (slug or name); enter keeps it, esc clears it'],
  ['enter', "on an error or a project's log: its full detail; on a project or a key: the project"],
  ['o', "on a log's detail: open its project"],
  ['esc', 'back (from a log, from a project); on the overview, clear the filter'],
  ['p', 'pause or resume refreshing'],
  ['?', 'this help (↑ ↓ scroll it)'],
  ['q  ctrl-c', 'quit'],
]

const FIGURES =
  'logs/s averages the last 10 complete seconds; the sparkline shows the last 5 minutes. Queue is the logs ' +
  'accepted but not yet indexed, against the per-project capacity (503 beyond it). ERR 5M counts error and ' +
  'critical logs received in the last 5 minutes; quota counts logs accepted today (UTC). REQ/MIN is a ' +
  "key's requests in the last 60 seconds against its limit per minute; THROTTLED counts its 429s in the " +
  'last 5 minutes. Recent errors are listed by arrival, newest first, at their own timestamps. Times are ' +
  "this machine's (TZ), or UTC with --utc."

/** One line of the help: a title, a key with (part of) its description, or text. */
export interface HelpLine {
  readonly kind: 'title' | 'key' | 'text'
  readonly key?: string
  readonly text: string
}

/**
 * The help's lines at `width`: each description wrapped beside its key (narrow, under it), the
 * figures wrapped. Never a line wider than `width`, so nothing merges or spills.
 */
export function helpLines(width: number): HelpLine[] {
  const keyWidth = width >= 50 ? 16 : 0
  const lines: HelpLine[] = [{ kind: 'title', text: 'Keys' }]
  for (const [key, what] of KEYS) {
    if (keyWidth === 0) {
      lines.push({ kind: 'key', key, text: '' })
      for (const l of wrap(what, width - 4)) lines.push({ kind: 'text', text: `    ${l}` })
      continue
    }
    wrap(what, width - 2 - keyWidth).forEach((l, i) => lines.push({ kind: 'key', key: i === 0 ? key : '', text: l }))
  }
  lines.push({ kind: 'text', text: '' }, { kind: 'title', text: 'Figures' })
  for (const l of wrap(FIGURES, width - 2)) lines.push({ kind: 'text', text: `  ${l}` })
  return lines
}

export interface HelpScreenProps {
  readonly width: number
  /** Lines it may use. */
  readonly height: number
  /** The first line shown (↑ ↓ scroll). */
  readonly scroll: number
}

/** The keys and what the figures mean, scrolled to `scroll` when taller than `height`. */
export function HelpScreen({ width, height, scroll }: HelpScreenProps) {
  const lines = helpLines(width)
  const keyWidth = width >= 50 ? 16 : 0
  const { start, count, more } = scrollWindow(lines.length, height, scroll)
  const shown = lines.slice(start, start + count)
  return (
    <Box flexDirection="column" width={width}>
      {shown.map((l, i) =>
        l.kind === 'title' ? (
          <Text key={i} bold color="cyan">
            {l.text}
          </Text>
        ) : l.kind === 'key' ? (
          <Text key={i} wrap="truncate">
            {'  '}
            <Text bold>{(l.key ?? '').padEnd(keyWidth)}</Text>
            {l.text}
          </Text>
        ) : (
          <Text key={i} wrap="truncate">
            {l.text || ' '}
          </Text>
        ),
      )}
      {more ? (
        <Text dimColor wrap="truncate">
          {`── ${start + 1}–${start + shown.length} of ${lines.length} · ↑ ↓ scroll`}
        </Text>
      ) : null}
    </Box>
  )
}
