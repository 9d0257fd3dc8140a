import chalk from 'chalk'
import type { Log } from '../contract/ingest.js'
import { levelColor } from './output.js'

const LEVEL_LABEL: Record<string, string> = {
  debug: 'DEBUG',
  info: 'INFO ',
  warning: 'WARN ',
  error: 'ERROR',
  critical: 'CRIT ',
}

/**
 * One log as one line for a person: time, level (coloured), message, then the error and the
 * attributes compactly. A stack trace follows on its own lines, indented, when `stacks` is set.
 */
export function formatLog(log: Log, opts: { stacks?: boolean } = {}): string {
  const level = levelColor(log.level)(LEVEL_LABEL[log.level] ?? log.level.toUpperCase())
  const parts = [chalk.dim(log.timestamp), level]
  const message = log.message ?? log.error_message ?? ''
  parts.push(log.level === 'error' || log.level === 'critical' ? chalk.bold(message) : message)
  if (log.error_type) parts.push(chalk.red(`${log.error_type}${log.error_message && log.error_message !== message ? `: ${log.error_message}` : ''}`))
  const extra: string[] = []
  if (log.environment) extra.push(`env=${log.environment}`)
  if (log.release) extra.push(`release=${log.release}`)
  for (const [k, v] of Object.entries(log.attributes ?? {})) extra.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  if (extra.length > 0) parts.push(chalk.dim(extra.join(' ')))
  let line = parts.join(' ')
  if (opts.stacks && log.stack_trace) line += `\n${chalk.dim(log.stack_trace.replace(/^/gm, '    '))}`
  return line
}
