import { Box, Text } from 'ink'
import type { OverviewKey } from '../../contract/stats.js'
import { formatAgo } from '../format.js'
import { type Cell, Row, scrollStart } from './Row.js'

export interface KeysTableProps {
  readonly keys: readonly OverviewKey[]
  readonly selected: number | null
  readonly focused: boolean
  /** The daemon's clock, for "last used … ago". */
  readonly now: string
  readonly width: number
  readonly height: number
}

function cells(k: OverviewKey | null, nameWidth: number, now: string): Cell[] {
  const load = k ? k.requests_per_minute / Math.max(1, k.limit_per_minute) : 0
  return [
    { text: k ? `${k.name}${k.is_active ? '' : ' (disabled)'}` : 'KEY', width: nameWidth },
    { text: k ? k.project_slug : 'PROJECT', width: 16 },
    { text: k ? k.key_prefix : 'PREFIX', width: 22 },
    {
      text: k ? `${k.requests_per_minute}/${k.limit_per_minute}` : 'REQ/MIN',
      width: 11,
      align: 'right',
      color: load >= 0.9 ? 'red' : load >= 0.5 ? 'yellow' : undefined,
    },
    {
      text: k ? String(k.throttled_5m) : 'THROTTLED',
      width: 9,
      align: 'right',
      color: k && k.throttled_5m > 0 ? 'red' : undefined,
    },
    { text: k ? formatAgo(k.last_used, now) : 'LAST USED', width: 10, align: 'right' },
  ]
}

/** API keys: requests in the last minute against the limit, throttled in 5 minutes, last use. */
export function KeysTable({ keys, selected, focused, now, width, height }: KeysTableProps) {
  const nameWidth = Math.min(32, Math.max(8, width - 2 - (16 + 22 + 11 + 9 + 10) - 5))
  const index = Math.max(0, keys.findIndex((k) => k.key_id === selected))
  const start = scrollStart(index, keys.length, height)
  return (
    <Box flexDirection="column" width={width}>
      <Row header cells={cells(null, nameWidth, now)} />
      {keys.length === 0 ? <Text dimColor>  no API keys</Text> : null}
      {keys.slice(start, start + height).map((k, i) => (
        <Row key={k.key_id} cells={cells(k, nameWidth, now)} selected={focused && start + i === index} />
      ))}
    </Box>
  )
}
