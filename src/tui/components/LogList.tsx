import { Box, Text } from 'ink'
import type { Log } from '../../contract/ingest.js'
import { logText, logTime, truncate } from '../format.js'
import { scrollStart } from './Row.js'

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

/** Logs, one line each: time (local, or in `timeZone`), project, level, message. */
export function LogList({ logs, slugOf, showProject, selected, focused, width, height, empty, now, timeZone }: LogListProps) {
  const index = Math.max(0, logs.findIndex((l) => l.id === selected))
  const start = scrollStart(index, logs.length, height)
  const shown = logs.slice(start, start + height)
  const times = shown.map((l) => logTime(l.timestamp, now, timeZone))
  const timeWidth = Math.max(0, ...times.map((t) => t.length))
  return (
    <Box flexDirection="column" width={width}>
      {logs.length === 0 ? <Text dimColor>  {empty}</Text> : null}
      {shown.map((l, i) => {
        const isSelected = focused && start + i === index
        const project = showProject ? `${truncate(slugOf(l.project_id), 16).padEnd(16)} ` : ''
        return (
          <Text key={l.id} wrap="truncate" inverse={isSelected}>
            {isSelected ? '> ' : '  '}
            <Text dimColor={!isSelected}>{times[i]!.padEnd(timeWidth)} </Text>
            {project}
            <Text color={isSelected ? undefined : LEVEL_COLOR[l.level]} bold={l.level === 'critical'}>
              {`${l.level.toUpperCase()} `.padEnd(9)}
            </Text>
            {truncate(logText(l), Math.max(0, width - 2 - timeWidth - 1 - project.length - 9 - 1))}
          </Text>
        )
      })}
    </Box>
  )
}
