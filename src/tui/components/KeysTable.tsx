import type { OverviewKey } from '../../contract/stats.js'
import type { Column } from '../columns.js'
import { formatAgo } from '../format.js'
import { Table } from './Table.js'

export interface KeysTableProps {
  readonly keys: readonly OverviewKey[]
  readonly selected: number | null
  readonly focused: boolean
  /** The daemon's clock, for "last used … ago". */
  readonly now: string
  /** The sort label of the sorted column (view.ts's KEY_SORTS). */
  readonly sort?: string | undefined
  readonly width: number
  readonly height: number
}

const keyName = (k: OverviewKey) => `${k.name}${k.is_active ? '' : ' (disabled)'}`

/**
 * The columns, by importance: the key, its load against its limit, its throttling, its project,
 * its last use; the prefix (long, and only there to tell keys apart) goes first.
 */
function columns(keys: readonly OverviewKey[], now: string): Column<OverviewKey>[] {
  const longest = (f: (k: OverviewKey) => string) => Math.max(0, ...keys.map((k) => f(k).length))
  return [
    { label: 'KEY', width: Math.max(8, Math.min(32, longest(keyName))), min: 6, importance: 100, sort: 'name', cell: (k) => ({ text: keyName(k) }) },
    { label: 'PROJECT', width: Math.max(8, Math.min(16, longest((k) => k.project_slug))), min: 6, importance: 70, cell: (k) => ({ text: k.project_slug }) },
    { label: 'PREFIX', width: Math.max(6, longest((k) => k.key_prefix)), importance: 10, cell: (k) => ({ text: k.key_prefix }) },
    {
      label: 'REQ/MIN',
      width: 11,
      min: 9,
      importance: 90,
      align: 'right',
      sort: 'req/min',
      cell: (k) => {
        const load = k.requests_per_minute / Math.max(1, k.limit_per_minute)
        return { text: `${k.requests_per_minute}/${k.limit_per_minute}`, color: load >= 0.9 ? 'red' : load >= 0.5 ? 'yellow' : undefined }
      },
    },
    {
      label: 'THROTTLED',
      short: 'THR',
      width: 10,
      min: 5,
      importance: 80,
      align: 'right',
      sort: 'throttled',
      cell: (k) => ({ text: String(k.throttled_5m), color: k.throttled_5m > 0 ? 'red' : undefined }),
    },
    { label: 'LAST USED', short: 'USED', width: 10, min: 8, importance: 60, align: 'right', sort: 'last used', cell: (k) => ({ text: formatAgo(k.last_used, now) }) },
  ]
}

/** API keys: requests in the last minute against the limit, throttled in 5 minutes, last use. */
export function KeysTable({ keys, selected, focused, now, sort, width, height }: KeysTableProps) {
  return (
    <Table
      columns={columns(keys, now)}
      rows={keys}
      selected={Math.max(0, keys.findIndex((k) => k.key_id === selected))}
      focused={focused}
      sort={sort}
      rowKey={(k) => k.key_id}
      empty="no API keys"
      width={width}
      height={height}
    />
  )
}
