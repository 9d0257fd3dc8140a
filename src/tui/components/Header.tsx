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

/** A piece of a header line, and how long it stays when the line is short (higher stays longer). */
interface Piece {
  readonly text: string
  readonly importance: number
  readonly color?: string | undefined
  readonly bold?: boolean
}

/** The pieces that fit in `width` (two spaces apart), in their order: the least important go first. */
function fitPieces(pieces: readonly Piece[], width: number): Piece[] {
  const kept = [...pieces]
  const length = () => kept.reduce((n, p, i) => n + p.text.length + (i > 0 ? 2 : 0), 0)
  while (kept.length > 1 && length() > width) {
    let drop = 0
    kept.forEach((p, i) => {
      if (p.importance < kept[drop]!.importance) drop = i
    })
    kept.splice(drop, 1)
  }
  return kept
}

/**
 * Two lines: the daemon (URL, connection, status, the instance that answered and the backends
 * it shares — database engine, Redis —, version, uptime, clock) and the ingest rate
 * with its sparkline. A third, red, while the daemon cannot be reached or refuses. On a narrow
 * terminal the version, uptime and URL give way before the connection, status and clock.
 */
export function Header({ url, data, error, failures, paused, width, timeZone }: HeaderProps) {
  const connected = error === null && data !== null
  const state = error?.kind === 'disconnected' ? 'disconnected' : error ? 'error' : data ? 'connected' : 'connecting'
  // The daemon's status, version and clock are only news while it answers: a daemon that does
  // not answer is not "healthy" (the red line says since when).
  const d = connected ? data.daemon : undefined
  const ingest = data?.ingest
  const first = fitPieces(
    [
      { text: 'Ledger top', importance: 10, color: 'cyan', bold: true },
      { text: url, importance: 4 },
      { text: `● ${state}`, importance: 9, color: connected ? 'green' : state === 'connecting' ? 'yellow' : 'red' },
      ...(d
        ? [
            {
              text: `${d.status}${d.worker_running ? '' : ' (worker stopped)'}`,
              importance: 8,
              color: d.status === 'healthy' ? 'green' : 'yellow',
            },
            ...(d.instance ? [{ text: d.instance, importance: 5 }] : []),
            ...(d.backends
              ? [
                  {
                    text: `${d.backends.database} · redis ${d.backends.redis}`,
                    importance: d.backends.redis === 'down' ? 6 : 1,
                    color: d.backends.redis === 'down' ? 'yellow' : undefined,
                  },
                ]
              : []),
            { text: `v${d.version}`, importance: 2 },
            { text: `up ${formatDuration(d.uptime_seconds)}`, importance: 3 },
            { text: `${clockTime(d.now, timeZone)} ${zoneName(d.now, timeZone)}`, importance: 7 },
          ]
        : []),
      ...(paused ? [{ text: 'PAUSED', importance: 10, color: 'yellow', bold: true }] : []),
    ],
    width,
  )
  const rateText = ingest ? `${formatRate(ingest.logs_per_second)} logs/s` : '- logs/s'
  const fullTotals = ingest
    ? `5m: ${compact(ingest.accepted_5m)} logs, ${compact(ingest.errors_5m)} errors  queue ${compact(ingest.queue_depth)}`
    : ''
  // Narrow, the totals give way to a sparkline of at least 10 cells, then the queue part goes.
  const totals = width - 7 - rateText.length - fullTotals.length - 13 >= 10 ? fullTotals : fullTotals.replace(/ {2}queue.*$/, '')
  const sparkWidth = Math.max(0, Math.min(60, width - 7 - rateText.length - 2 - 8 - 2 - totals.length - 1))
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        {first.map((p, i) => (
          <Text key={i} color={p.color} bold={p.bold === true}>
            {(i > 0 ? '  ' : '') + p.text}
          </Text>
        ))}
      </Text>
      <Text wrap="truncate">
        <Text bold>Ingest </Text>
        <Text color="green">{rateText}</Text>
        {sparkWidth >= 5 ? (
          <>
            {'  '}
            <Text color="green">{ingest ? sparkline(ingest.series, sparkWidth) : ''}</Text>
            {ingest ? <Text dimColor> last 5m</Text> : null}
          </>
        ) : null}
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
