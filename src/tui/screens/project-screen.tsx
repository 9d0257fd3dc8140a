import { Box, Text } from 'ink'
import type { Overview } from '../../contract/stats.js'
import { KeysTable } from '../components/KeysTable.js'
import { LogList } from '../components/LogList.js'
import { PaneTitle, panePosition } from '../components/PaneTitle.js'
import { bar, compact, formatRate, percent, sparkline } from '../format.js'

export interface ProjectScreenProps {
  readonly data: Overview
  readonly slug: string
  /** The selected log of the latest logs (null: the first). */
  readonly selected: number | null
  readonly width: number
  readonly height: number
  /** The zone times are shown in (undefined: this machine's; `UTC` with `--utc`). */
  readonly timeZone?: string | undefined
}

/**
 * The project screen's lines: 5 of figures, the keys' title and header and `keyRows` keys (a
 * third of what is left at most), the logs' title and `logRows` logs (the rest).
 */
export function projectLayout(height: number, keys: number): { keyRows: number; logRows: number } {
  const keyRows = Math.min(Math.max(1, keys), Math.max(1, Math.floor((height - 8) / 3)))
  return { keyRows, logRows: Math.max(1, height - 8 - keyRows) }
}

/** One project: its rate and errors over 5 minutes, queue, quota, keys and latest logs. */
export function ProjectScreen({ data, slug, selected, width, height, timeZone }: ProjectScreenProps) {
  const p = data.projects.find((x) => x.slug === slug)
  if (!p) {
    return (
      <Text color="yellow" wrap="truncate">
        Project {slug} is not (or no longer) one of yours. Press esc to go back.
      </Text>
    )
  }
  const detail = data.project?.slug === slug ? data.project : null
  const keys = data.keys.filter((k) => k.project_id === p.project_id)
  const { keyRows, logRows } = projectLayout(height, keys.length)
  const logs = detail?.recent_logs ?? []
  const spark = Math.max(10, Math.min(75, width - 40))
  const label = (t: string) => <Text bold>{t.padEnd(9)}</Text>
  return (
    <Box flexDirection="column" width={width}>
      <PaneTitle title={`Project ${p.slug}`} detail={p.name} focused width={width} />
      <Text wrap="truncate">
        {label('Rate')}
        <Text color="green">{`${formatRate(p.logs_per_second)} logs/s`.padEnd(16)}</Text>
        <Text color="green">{detail ? sparkline(detail.series, spark) : 'loading…'}</Text>
        <Text dimColor> last 5m, {compact(p.accepted_5m)} logs</Text>
      </Text>
      <Text wrap="truncate">
        {label('Errors')}
        <Text color={p.errors_5m > 0 ? 'red' : undefined}>{`${compact(p.errors_5m)} in 5m`.padEnd(16)}</Text>
        <Text color="red">{detail ? sparkline(detail.error_series, spark) : ''}</Text>
      </Text>
      <Text wrap="truncate">
        {label('Queue')}
        {`${compact(p.queue_depth)} / ${compact(p.queue_capacity)}`.padEnd(16)}
        {bar(p.queue_depth, p.queue_capacity, Math.min(40, spark))} {percent(p.queue_depth, p.queue_capacity)}
      </Text>
      <Text wrap="truncate">
        {label('Quota')}
        {`${compact(p.quota_used_today)} / ${compact(p.daily_quota)}`.padEnd(16)}
        {bar(p.quota_used_today, p.daily_quota, Math.min(40, spark))} {percent(p.quota_used_today, p.daily_quota)} today (UTC)
      </Text>
      <PaneTitle title="API keys" detail={String(keys.length)} focused={false} width={width} />
      <KeysTable keys={keys} selected={null} focused={false} now={data.daemon.now} width={width} height={keyRows} />
      <PaneTitle
        title="Latest logs"
        detail="all levels, newest first"
        focused={false}
        width={width}
        position={panePosition(logs.findIndex((l) => l.id === selected), logs.length, logRows)}
      />
      <LogList
        logs={logs}
        slugOf={() => p.slug}
        showProject={false}
        selected={selected}
        focused
        width={width}
        height={logRows}
        empty={detail ? 'no logs yet' : 'loading…'}
        now={data.daemon.now}
        timeZone={timeZone}
      />
    </Box>
  )
}
