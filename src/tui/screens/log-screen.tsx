import { Box, Text } from 'ink'
import type { Log } from '../../contract/ingest.js'
import { PaneTitle } from '../components/PaneTitle.js'
import { scrollWindow } from '../components/Row.js'
import { wrap } from '../format.js'
import { printable } from '../../shared/printable.js'
import { formatLocalTimestamp } from '../../shared/time.js'

/** One line of a log's detail: a label (on the first line of a field) and text. */
export interface DetailLine {
  readonly label: string
  readonly text: string
}

const LABEL = 12

/** A field's text as printable lines (its own newlines kept, each line made safe to print). */
const safeLines = (text: string) => text.split(/\r?\n/).map((l) => printable(l.replace(/\t/g, '  ')))

/**
 * Every field of a log as lines of at most `width` characters: times (in `timeZone`, or this
 * machine's), level and kind, message, error, stack trace, where it came from, attributes.
 * Empty fields are left out. Control characters are shown escaped, never sent to the terminal.
 */
export function logDetailLines(log: Log, slug: string, width: number, timeZone?: string): DetailLine[] {
  const textWidth = Math.max(10, width - LABEL)
  const out: DetailLine[] = []
  const field = (label: string, text: string | null | undefined) => {
    if (text === null || text === undefined || text === '') return
    let first = true
    for (const line of safeLines(text))
      for (const piece of wrap(line, textWidth)) {
        out.push({ label: first ? label : '', text: piece })
        first = false
      }
  }
  const when = (iso: string) => formatLocalTimestamp(Date.parse(iso), timeZone)
  field('Time', when(log.timestamp))
  field('Received', when(log.received_at))
  field('Project', slug)
  field('Level', `${log.level.toUpperCase()} · ${log.log_type} · importance ${log.importance}`)
  field('Message', log.message)
  field('Error', [log.error_type, log.error_message].filter(Boolean).join(': '))
  field('Stack', log.stack_trace)
  field('Environment', log.environment)
  field('Release', log.release)
  field('Platform', [log.platform, log.platform_version].filter(Boolean).join(' '))
  field('SDK', log.sdk_version)
  if (log.attributes && Object.keys(log.attributes).length > 0) field('Attributes', JSON.stringify(log.attributes, null, 2))
  return out
}

export interface LogScreenProps {
  readonly log: Log
  readonly slug: string
  readonly width: number
  /** Lines it may use. */
  readonly height: number
  /** The first line of the fields shown (↑ ↓ scroll). */
  readonly scroll: number
  readonly timeZone?: string | undefined
}

/** A log in full: every field, wrapped to the width, scrolled when taller than the screen. */
export function LogScreen({ log, slug, width, height, scroll, timeZone }: LogScreenProps) {
  const lines = logDetailLines(log, slug, width, timeZone)
  const { start, count, more } = scrollWindow(lines.length, height - 1, scroll)
  return (
    <Box flexDirection="column" width={width}>
      <PaneTitle title={`Log ${log.id}`} detail={slug} focused width={width} />
      {lines.slice(start, start + count).map((l, i) => (
        <Text key={i} wrap="truncate">
          <Text bold>{l.label.padEnd(LABEL)}</Text>
          {l.text}
        </Text>
      ))}
      {more ? (
        <Text dimColor wrap="truncate">
          {`── ${start + 1}–${start + count} of ${lines.length} · ↑ ↓ scroll`}
        </Text>
      ) : null}
    </Box>
  )
}
