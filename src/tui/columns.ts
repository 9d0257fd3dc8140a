/** What a column shows for one row: its text at the width it was given, and a colour. */
export interface CellContent {
  readonly text: string
  readonly color?: string | undefined
  readonly bold?: boolean | undefined
  readonly dim?: boolean | undefined
}

/**
 * A table column: its header, how wide it wants to be and may become, and how much it matters.
 * When the terminal is too narrow for every column, the least important go first; the rest
 * shrink to their `min`, then grow back in order of importance as room allows.
 */
export interface Column<T> {
  readonly label: string
  /** The header when `label` does not fit. */
  readonly short?: string
  /** Width when there is room. */
  readonly width: number
  /** Narrowest it may be (default: `width`, it never shrinks). */
  readonly min?: number
  /** It takes the room left over once every column has its width, up to this. */
  readonly grow?: number
  /** Higher stays longer. */
  readonly importance: number
  readonly align?: 'left' | 'right'
  /** The sort label (view.ts) this column is sorted by: its header is marked when it is. */
  readonly sort?: string
  /** The cell of `row` in `width` characters. */
  readonly cell: (row: T, width: number) => CellContent
}

/** A column with the width it gets. */
export interface Fitted<T> {
  readonly column: Column<T>
  readonly width: number
}

/** The mark of the sorted column's header (descending: best first). */
export const SORT_MARK = '▼'

/**
 * The columns that fit in `width` characters (after the 2 of the selection marker, one space
 * between cells), in their own order, each with its width. In order of importance, each column
 * takes its width, or what is left if that is at least its `min`, or nothing (it is left out);
 * then the columns that `grow` share what remains. So a wide column that matters little (a key
 * prefix) gives way before a narrow one that matters (requests per minute).
 */
export function fitColumns<T>(columns: readonly Column<T>[], width: number): Fitted<T>[] {
  const room = Math.max(0, width - 2)
  const byImportance = [...columns.keys()].sort((a, b) => columns[b]!.importance - columns[a]!.importance)
  const widths = new Map<number, number>()
  let used = 0
  for (const i of byImportance) {
    const c = columns[i]!
    const gap = widths.size > 0 ? 1 : 0
    const w = Math.min(c.width, room - used - gap)
    if (w < (c.min ?? c.width)) continue
    widths.set(i, w)
    used += w + gap
  }
  for (const i of byImportance) {
    const w = widths.get(i)
    const grow = columns[i]!.grow
    if (w === undefined || grow === undefined) continue
    const add = Math.max(0, Math.min(room - used, grow - w))
    widths.set(i, w + add)
    used += add
  }
  return [...columns.keys()].filter((i) => widths.has(i)).map((i) => ({ column: columns[i]!, width: widths.get(i)! }))
}

/** The header text of a column at its width, with the sort mark when it is the sorted one. */
export function headerText<T>(f: Fitted<T>, sortLabel: string | undefined): string {
  const mark = sortLabel !== undefined && f.column.sort === sortLabel ? SORT_MARK : ''
  const full = f.column.label + mark
  if (full.length <= f.width || f.column.short === undefined) return full
  return f.column.short + mark
}
