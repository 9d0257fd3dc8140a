import { Text } from 'ink'

export interface PaneTitleProps {
  readonly title: string
  readonly detail?: string
  readonly focused: boolean
  readonly width: number
}

/** `── Projects (3) · sort: logs/s ────`, bright when the pane has the focus. */
export function PaneTitle({ title, detail, focused, width }: PaneTitleProps) {
  const head = `── ${title}${detail ? ` · ${detail}` : ''} `
  return (
    <Text wrap="truncate" color={focused ? 'cyan' : 'gray'} bold={focused}>
      {head + '─'.repeat(Math.max(0, width - head.length))}
    </Text>
  )
}
