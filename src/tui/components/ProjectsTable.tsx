import type { OverviewProject } from '../../contract/stats.js'
import type { Column } from '../columns.js'
import { bar, compact, formatRate, percent } from '../format.js'
import { Table } from './Table.js'

export interface ProjectsTableProps {
  readonly projects: readonly OverviewProject[]
  /** Slug of the selected project (null: the first). */
  readonly selected: string | null
  readonly focused: boolean
  /** The sort label of the sorted column (view.ts's PROJECT_SORTS). */
  readonly sort?: string | undefined
  readonly width: number
  readonly height: number
}

const QUEUE_BAR = 10

/** The columns, most important first: the project, its rate, its errors, its queue, its quota. */
function columns(projects: readonly OverviewProject[]): Column<OverviewProject>[] {
  const longest = Math.max(0, ...projects.map((p) => p.slug.length))
  return [
    { label: 'PROJECT', width: Math.max(8, Math.min(40, longest)), min: 6, importance: 100, sort: 'slug', cell: (p) => ({ text: p.slug }) },
    { label: 'LOGS/S', width: 7, importance: 90, align: 'right', sort: 'logs/s', cell: (p) => ({ text: formatRate(p.logs_per_second) }) },
    {
      label: 'QUEUE',
      width: 6 + QUEUE_BAR,
      min: 6,
      importance: 70,
      sort: 'queue',
      cell: (p, w) => {
        const ratio = p.queue_depth / Math.max(1, p.queue_capacity)
        const depth = compact(p.queue_depth).padStart(5)
        return {
          // Narrow, the depth alone; the bar once it has 2 cells or more.
          text: w >= 8 ? `${depth} ${bar(p.queue_depth, p.queue_capacity, w - 6)}` : depth,
          color: ratio >= 0.8 ? 'red' : ratio >= 0.5 ? 'yellow' : 'green',
        }
      },
    },
    {
      label: 'ERR 5M',
      width: 7,
      importance: 80,
      align: 'right',
      sort: 'errors',
      cell: (p) => ({ text: compact(p.errors_5m), color: p.errors_5m > 0 ? 'red' : undefined }),
    },
    {
      label: 'QUOTA TODAY',
      short: 'QUOTA',
      width: 17,
      min: 6,
      importance: 60,
      align: 'right',
      sort: 'quota',
      cell: (p, w) => {
        const full = `${compact(p.quota_used_today)}/${compact(p.daily_quota)} ${percent(p.quota_used_today, p.daily_quota)}`
        return {
          text: full.length <= w ? full : percent(p.quota_used_today, p.daily_quota),
          color: p.quota_used_today >= p.daily_quota ? 'red' : undefined,
        }
      },
    },
  ]
}

/** Projects: rate, queue depth with a bar against capacity, errors in 5 minutes, quota today. */
export function ProjectsTable({ projects, selected, focused, sort, width, height }: ProjectsTableProps) {
  return (
    <Table
      columns={columns(projects)}
      rows={projects}
      selected={Math.max(0, projects.findIndex((p) => p.slug === selected))}
      focused={focused}
      sort={sort}
      rowKey={(p) => p.slug}
      empty="no projects"
      width={width}
      height={height}
    />
  )
}
