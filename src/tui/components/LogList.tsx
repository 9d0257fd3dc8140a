import type { Log } from '../../contract/ingest.js'
import type { Column } from '../columns.js'
import { logText, logTime } from '../format.js'
import { Table } from './Table.js'

export interface LogListProps {
  readonly logs: readonly Log[]
  /** The project slug of each log's project id. */
  readonly slugOf: (projectId: number) => string
  readonly showProject: boolean
  readonly selected: number | null
  readonly focused: boolean
  readonly width: number
  readonly height: number
  readonly empty: string
  /** The daemon's clock: a log of that day shows its time only. */
  readonly now: string
  /** The zone times are shown in (undefined: this machine's; `UTC` with `--utc`). */
  readonly timeZone?: string | undefined
}

const LEVEL_COLOR: Record<string, string | undefined> = {
  critical: 'magenta',
  error: 'red',
  warning: 'yellow',
  info: 'green',
  debug: 'gray',
}

/** Time, message and level stay; the project gives way first. */
function columns(p: LogListProps): Column<Log>[] {
  const when = (l: Log) => logTime(l.timestamp, p.now, p.timeZone)
  const timeWidth = Math.max(8, ...p.logs.map((l) => when(l).length))
  const longestSlug = Math.max(0, ...p.logs.map((l) => p.slugOf(l.project_id).length))
  const cols: Column<Log>[] = [{ label: 'TIME', width: timeWidth, importance: 100, cell: (l) => ({ text: when(l), dim: true }) }]
  if (p.showProject)
    cols.push({ label: 'PROJECT', width: Math.max(8, Math.min(16, longestSlug)), min: 6, importance: 60, cell: (l) => ({ text: p.slugOf(l.project_id) }) })
  cols.push(
    {
      label: 'LEVEL',
      width: 8,
      importance: 80,
      cell: (l) => ({ text: l.level.toUpperCase(), color: LEVEL_COLOR[l.level], bold: l.level === 'critical' }),
    },
    { label: 'MESSAGE', width: 24, min: 10, grow: 10_000, importance: 90, cell: (l) => ({ text: logText(l) }) },
  )
  return cols
}

/** Logs, one line each: time (local, or in `timeZone`), project, level, message. */
export function LogList(p: LogListProps) {
  return (
    <Table
      columns={columns(p)}
      rows={p.logs}
      header={false}
      selected={Math.max(0, p.logs.findIndex((l) => l.id === p.selected))}
      focused={p.focused}
      rowKey={(l) => l.id}
      empty={p.empty}
      width={p.width}
      height={p.height}
    />
  )
}
