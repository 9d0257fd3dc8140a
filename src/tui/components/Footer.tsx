import { Text } from 'ink'

export type FooterScreen = 'overview' | 'project' | 'detail' | 'help'

export interface FooterProps {
  readonly screen: FooterScreen
  readonly filter: string
  readonly editingFilter: boolean
  readonly width: number
}

/** A key and what it does, and how long it stays when the line is short (higher stays longer). */
type Hint = readonly [text: string, importance: number]

// `? help` and `q quit` always stay: from them, everything else can be found.
const KEYS: Record<FooterScreen, readonly Hint[]> = {
  overview: [
    ['↑↓/jk move', 6],
    ['tab pane', 7],
    ['s sort', 4],
    ['/ filter', 3],
    ['enter open', 8],
    ['p pause', 2],
    ['? help', 10],
    ['q quit', 10],
  ],
  project: [
    ['↑↓ logs', 6],
    ['enter open', 7],
    ['esc back', 9],
    ['p pause', 2],
    ['? help', 10],
    ['q quit', 10],
  ],
  detail: [
    ['↑↓ scroll', 6],
    ['o project', 5],
    ['esc back', 9],
    ['? help', 10],
    ['q quit', 10],
  ],
  help: [
    ['↑↓ scroll', 6],
    ['esc or ? close', 9],
    ['q quit', 10],
  ],
}

const SEP = '  '

/** The hints that fit in `width`, in their order: the least important are left out first. */
export function fitHints(hints: readonly Hint[], width: number): string {
  const kept = [...hints]
  const length = () => kept.map(([t]) => t).join(SEP).length
  while (kept.length > 1 && length() > width) {
    let drop = 0
    kept.forEach(([, importance], i) => {
      if (importance < kept[drop]![1]) drop = i
    })
    kept.splice(drop, 1)
  }
  return kept.map(([t]) => t).join(SEP)
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
  const filterText = filter && screen === 'overview' ? `filter: ${filter} (esc clears)${SEP}` : ''
  return (
    <Text wrap="truncate" dimColor>
      {filterText ? <Text color="cyan">{filterText}</Text> : null}
      {fitHints(KEYS[screen], Math.max(0, width - filterText.length))}
    </Text>
  )
}
