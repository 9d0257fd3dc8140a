import { stripVTControlCharacters } from 'node:util'
import chalk from 'chalk'

export interface Column<T> {
  header: string
  get: (row: T) => string | number | boolean | null | undefined
  align?: 'left' | 'right'
}

const width = (s: string) => stripVTControlCharacters(s).length

/** A plain table: bold headers, columns padded to their widest cell, `-` for empty cells. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) =>
    columns.map((c) => {
      const v = c.get(r)
      return v === null || v === undefined || v === '' ? chalk.dim('-') : String(v)
    }),
  )
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => width(row[i]!))))
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - width(s))
    return columns[i]!.align === 'right' ? fill + s : s + fill
  }
  const lines = [chalk.bold(columns.map((c, i) => pad(c.header, i)).join('  ').trimEnd())]
  for (const row of cells) lines.push(row.map(pad).join('  ').trimEnd())
  return lines.join('\n')
}

/** `key: value` lines, keys padded, for one object. */
export function renderFields(fields: ReadonlyArray<readonly [string, unknown]>): string {
  const w = Math.max(...fields.map(([k]) => k.length))
  return fields
    .map(([k, v]) => `${chalk.dim(`${k}:`.padEnd(w + 1))} ${v === null || v === undefined || v === '' ? '-' : String(v)}`)
    .join('\n')
}
