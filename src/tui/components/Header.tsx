import { Box, Text } from 'ink'
import type { Overview } from '../../contract/stats.js'
import { clockTime, compact, formatDuration, formatRate, sparkline, truncate, zoneName } from '../format.js'
import type { OverviewState } from '../hooks/use-overview.js'

export interface HeaderProps {
  readonly url: string
  readonly data: Overview | null
  readonly error: OverviewState['error']
  readonly failures: number
  readonly paused: boolean
  readonly width: number
  /** The zone times are shown in (undefined: this machine's; `UTC` with `--utc`). */
  readonly timeZone?: string | undefined
}

/**
 * Two lines: the daemon (URL, connection, status, version, uptime, clock) and the ingest rate
 * with its sparkline. A third, red, while the daemon cannot be reached or refuses.
 */
export function Header({ url, data, error, failures, paused, width, timeZone }: HeaderProps) {
  const connected = error === null && data !== null
  const state = error?.kind === 'disconnected' ? 'disconnected' : error ? 'error' : data ? 'connected' : 'connecting'
  const d = data?.daemon
  const ingest = data?.ingest
  const rateText = ingest ? `${formatRate(ingest.logs_per_second)} logs/s` : '- logs/s'
  const totals = ingest
    ? `5m: ${compact(ingest.accepted_5m)} logs, ${compact(ingest.errors_5m)} errors  queue ${compact(ingest.queue_depth)}`
    : ''
  const sparkWidth = Math.max(0, Math.min(60, width - rateText.length - totals.length - 24))
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold color="cyan">
          Ledger top
        </Text>
        {'  '}
        {url}
        {'  '}
        <Text color={connected ? 'green' : state === 'connecting' ? 'yellow' : 'red'}>● {state}</Text>
        {/* The daemon's status, version and clock are only news while it answers: a daemon
            that does not answer is not "healthy" (the red line says since when). */}
        {d && connected ? (
          <>
            {'  '}
            <Text color={d.status === 'healthy' ? 'green' : 'yellow'}>{d.status}</Text>
            {d.worker_running ? '' : <Text color="yellow"> (worker stopped)</Text>}
            {`  v${d.version}  up ${formatDuration(d.uptime_seconds)}  ${clockTime(d.now, timeZone)} ${zoneName(d.now, timeZone)}`}
          </>
        ) : null}
        {paused ? (
          <Text color="yellow" bold>
            {'  '}PAUSED
          </Text>
        ) : null}
      </Text>
      <Text wrap="truncate">
        <Text bold>Ingest </Text>
        <Text color="green">{rateText}</Text>
        {'  '}
        <Text color="green">{ingest ? sparkline(ingest.series, sparkWidth) : ''}</Text>
        {ingest ? <Text dimColor> last 5m</Text> : null}
        {'  '}
        {totals}
      </Text>
      {error ? (
        <Text color="red" wrap="truncate">
          {truncate(
            error.kind === 'disconnected'
              ? `Daemon unreachable at ${url}: retrying every second (${failures} failed)${data ? `; figures below are from ${clockTime(data.daemon.now, timeZone)}` : ''}`
              : `The daemon refused: ${error.message}; retrying (${failures} failed)`,
            width,
          )}
        </Text>
      ) : null}
    </Box>
  )
}
