import { Text } from 'ink'
import { scrollStart } from './Row.js'

export interface PaneTitleProps {
  readonly title: string
  readonly detail?: string
  readonly focused: boolean
  readonly width: number
  /** Where a scrolled pane is (`12–41 of 60`), shown at the right end. */
  readonly position?: string | undefined
}

/** `── Projects · 3 · sort: logs/s ▼ ──── 1–5 of 9 ──`, bright when the pane has the focus. */
export function PaneTitle({ title, detail, focused, width, position }: PaneTitleProps) {
  const tail = position ? ` ${position} ──` : ''
  // Narrow, the position stays and the detail gives way.
  const full = `── ${title}${detail ? ` · ${detail}` : ''} `
  const head = full.length + tail.length + 2 <= width ? full : `── ${title} `
  const fill = width - head.length - tail.length
  return (
    <Text wrap="truncate" color={focused ? 'cyan' : 'gray'} bold={focused}>
      {fill >= 2 ? head + '─'.repeat(fill) + tail : full + '─'.repeat(Math.max(0, width - full.length))}
    </Text>
  )
}

/** Which rows a pane of `height` shows of `count`, scrolled to `selected`; undefined when all fit. */
export function panePosition(selected: number, count: number, height: number): string | undefined {
  if (count <= height) return undefined
  const start = scrollStart(Math.max(0, selected), count, height)
  return `${start + 1}–${Math.min(count, start + height)} of ${count}`
}
