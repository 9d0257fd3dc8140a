import { Text } from 'ink'

export interface FooterProps {
  readonly screen: 'overview' | 'project' | 'help'
  readonly filter: string
  readonly editingFilter: boolean
  readonly width: number
}

const KEYS = {
  overview: '↑↓/jk move  tab pane  s sort  / filter  enter open  p pause  ? help  q quit',
  project: 'esc back  p pause  ? help  q quit',
  help: 'esc or ? close  q quit',
}

/** The keys of the current screen, or the filter being typed. */
export function Footer({ screen, filter, editingFilter, width }: FooterProps) {
  if (editingFilter) {
    return (
      <Text wrap="truncate">
        <Text color="cyan" bold>
          {'filter projects: '}
        </Text>
        {filter}
        <Text inverse> </Text>
        <Text dimColor>   enter keep  esc clear</Text>
      </Text>
    )
  }
  return (
    <Text wrap="truncate" dimColor>
      {filter && screen === 'overview' ? (
        <Text color="cyan">
          filter: {filter} (esc clears){'  '}
        </Text>
      ) : null}
      {KEYS[screen].slice(0, width)}
    </Text>
  )
}
