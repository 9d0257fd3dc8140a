import { Box, Text } from 'ink'
import { type Column, fitColumns, headerText } from '../columns.js'
import { Row, scrollStart } from './Row.js'

export interface TableProps<T> {
  readonly columns: readonly Column<T>[]
  readonly rows: readonly T[]
  /** The index of the selected row (its pane scrolls to keep it shown). */
  readonly selected: number
  readonly focused: boolean
  /** The sort label of the sorted column (marked in the header). */
  readonly sort?: string | undefined
  /** Whether to draw the header line. */
  readonly header?: boolean
  readonly rowKey: (row: T) => string | number
  readonly empty: string
  readonly width: number
  /** Lines for rows (the header not counted). */
  readonly height: number
}

/**
 * A table that fits its width: the columns that matter least give way first (see
 * `fitColumns`), and it scrolls to keep the selected row within `height`.
 */
export function Table<T>({ columns, rows, selected, focused, sort, header = true, rowKey, empty, width, height }: TableProps<T>) {
  const fitted = fitColumns(columns, width)
  const start = scrollStart(selected, rows.length, height)
  return (
    <Box flexDirection="column" width={width}>
      {header ? (
        <Row header cells={fitted.map((f) => ({ text: headerText(f, sort), width: f.width, align: f.column.align }))} />
      ) : null}
      {rows.length === 0 ? <Text dimColor>  {empty}</Text> : null}
      {rows.slice(start, start + height).map((row, i) => (
        <Row
          key={rowKey(row)}
          selected={focused && start + i === selected}
          cells={fitted.map((f) => ({ ...f.column.cell(row, f.width), width: f.width, align: f.column.align }))}
        />
      ))}
    </Box>
  )
}
