import { Box, Text } from 'ink'

const KEYS: ReadonlyArray<[string, string]> = [
  ['↑ ↓  j k', 'move the selection in the focused pane'],
  ['tab  shift-tab', 'focus the next (previous) pane: projects, API keys, recent errors'],
  ['s', 'cycle the sort column of the focused table'],
  ['/', 'filter by project (slug or name); enter keeps it, esc clears it'],
  ['enter', 'open the selected project (of a key or an error: its project)'],
  ['esc', 'back to the overview; on the overview, clear the filter'],
  ['p', 'pause or resume refreshing'],
  ['?', 'this help'],
  ['q  ctrl-c', 'quit'],
]

export interface HelpScreenProps {
  readonly width: number
}

/** The keys and what the figures mean. */
export function HelpScreen({ width }: HelpScreenProps) {
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color="cyan">
        Keys
      </Text>
      {KEYS.map(([k, what]) => (
        <Text key={k} wrap="truncate">
          {'  '}
          <Text bold>{k.padEnd(16)}</Text>
          {what}
        </Text>
      ))}
      <Text> </Text>
      <Text bold color="cyan">
        Figures
      </Text>
      <Text wrap="wrap">
        {'  '}logs/s averages the last 10 complete seconds; the sparkline shows the last 5 minutes. Queue is
        the logs accepted but not yet indexed, against the per-project capacity (503 beyond it). ERR 5M
        counts error and critical logs received in the last 5 minutes; quota counts logs accepted today
        (UTC). REQ/MIN is a key&apos;s requests in the last 60 seconds against its limit per minute;
        THROTTLED counts its 429s in the last 5 minutes.
      </Text>
    </Box>
  )
}
