import { Box, Text } from 'ink'
import type { OverviewProject } from '../../contract/stats.js'
import { bar, compact, formatRate, percent } from '../format.js'
import { type Cell, Row, scrollStart } from './Row.js'

export interface ProjectsTableProps {
  readonly projects: readonly OverviewProject[]
  /** Slug of the selected project (null: the first). */
  readonly selected: string | null
  readonly focused: boolean
  readonly width: number
  readonly height: number
}

const QUEUE_BAR = 10

function cells(p: OverviewProject | null, slugWidth: number): Cell[] {
  const queueRatio = p ? p.queue_depth / Math.max(1, p.queue_capacity) : 0
  return [
    { text: p ? p.slug : 'PROJECT', width: slugWidth },
    { text: p ? formatRate(p.logs_per_second) : 'LOGS/S', width: 7, align: 'right' },
    {
      text: p ? `${compact(p.queue_depth).padStart(5)} ${bar(p.queue_depth, p.queue_capacity, QUEUE_BAR)}` : 'QUEUE',
      width: 6 + QUEUE_BAR,
      color: queueRatio >= 0.8 ? 'red' : queueRatio >= 0.5 ? 'yellow' : 'green',
    },
    {
      text: p ? compact(p.errors_5m) : 'ERR 5M',
      width: 6,
      align: 'right',
      color: p && p.errors_5m > 0 ? 'red' : undefined,
    },
    {
      text: p ? `${compact(p.quota_used_today)}/${compact(p.daily_quota)} ${percent(p.quota_used_today, p.daily_quota)}` : 'QUOTA TODAY',
      width: 17,
      align: 'right',
      color: p && p.quota_used_today >= p.daily_quota ? 'red' : undefined,
    },
  ]
}

/** Projects: rate, queue depth with a bar against capacity, errors in 5 minutes, quota today. */
export function ProjectsTable({ projects, selected, focused, width, height }: ProjectsTableProps) {
  const slugWidth = Math.min(40, Math.max(8, width - 2 - (7 + 6 + QUEUE_BAR + 6 + 17) - 5))
  const index = Math.max(0, projects.findIndex((p) => p.slug === selected))
  const start = scrollStart(index, projects.length, height)
  return (
    <Box flexDirection="column" width={width}>
      <Row header cells={cells(null, slugWidth)} />
      {projects.length === 0 ? <Text dimColor>  no projects</Text> : null}
      {projects.slice(start, start + height).map((p, i) => (
        <Row key={p.slug} cells={cells(p, slugWidth)} selected={focused && start + i === index} />
      ))}
    </Box>
  )
}
