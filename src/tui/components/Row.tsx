import { Text } from 'ink'
import { cell } from '../format.js'

/** One cell of a table row: text, width, alignment and an optional colour. */
export interface Cell {
  readonly text: string
  readonly width: number
  readonly align?: 'left' | 'right' | undefined
  readonly color?: string | undefined
  readonly bold?: boolean | undefined
  readonly dim?: boolean | undefined
}

export interface RowProps {
  readonly cells: readonly Cell[]
  readonly selected?: boolean
  readonly header?: boolean
}

/** A table line of fixed-width cells, one space apart; the selected row is inverted. */
export function Row({ cells, selected = false, header = false }: RowProps) {
  return (
    <Text wrap="truncate" inverse={selected} bold={header} dimColor={header}>
      {selected ? '> ' : '  '}
      {cells.map((c, i) => (
        <Text key={i} color={selected || header ? undefined : c.color} bold={c.bold} dimColor={!selected && !header && c.dim === true}>
          {(i > 0 ? ' ' : '') + cell(c.text, c.width, c.align)}
        </Text>
      ))}
    </Text>
  )
}

/** The first row to show so that `selected` stays within `height` rows. */
export function scrollStart(selected: number, count: number, height: number): number {
  if (selected < height) return 0
  return Math.min(selected - height + 1, Math.max(0, count - height))
}

/**
 * A text taller than `height` lines, scrolled: it shows `height - 1` lines from `scroll` and a
 * position line. `max` is the last `scroll` worth having.
 */
export function scrollWindow(total: number, height: number, scroll: number): { start: number; count: number; more: boolean; max: number } {
  const h = Math.max(1, height)
  if (total <= h) return { start: 0, count: total, more: false, max: 0 }
  const count = Math.max(1, h - 1)
  const max = total - count
  return { start: Math.max(0, Math.min(scroll, max)), count, more: true, max }
}
