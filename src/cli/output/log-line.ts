import chalk from 'chalk'
import type { Log } from '../../contract/ingest.js'
import { printable } from '../../shared/printable.js'
import type { Times } from './times.js'

const LEVEL_LABEL: Record<string, string> = {
  debug: 'DEBUG',
  info: 'INFO ',
  warning: 'WARN ',
  error: 'ERROR',
  critical: 'CRIT ',
}

/**
 * One log as one line for a person: time (local, or UTC, as `times` says; ISO UTC without it), level (coloured), message, then the error and the
 * attributes compactly. A stack trace follows on its own lines, indented, when `stacks` is set.
 * What the log carries is made printable (see printable()), and a newline in it goes on an
 * indented line: only a log's first line starts at the margin, so none can pass for another log.
 */
export function formatLog(log: Log, opts: { stacks?: boolean; times?: Times } = {}): string {
  const level = levelColor(log.level)(LEVEL_LABEL[log.level] ?? log.level.toUpperCase())
  const parts = [chalk.dim(opts.times ? opts.times.at(log.timestamp) : log.timestamp), level]
  const raw = log.message ?? log.error_message ?? ''
  const message = text(raw)
  parts.push(log.level === 'error' || log.level === 'critical' ? chalk.bold(message) : message)
  // The error's type and message, each when it says something the message does not.
  const errorMessage = log.error_message && log.error_message !== raw ? log.error_message : ''
  if (log.error_type || errorMessage) {
    const error = log.error_type ? `${log.error_type}${errorMessage ? `: ${errorMessage}` : ''}` : errorMessage
    parts.push(chalk.red(text(error)))
  }
  const extra: string[] = []
  if (log.environment) extra.push(`env=${log.environment}`)
  if (log.release) extra.push(`release=${log.release}`)
  for (const [k, v] of Object.entries(log.attributes ?? {})) extra.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  if (extra.length > 0) parts.push(chalk.dim(text(extra.join(' '))))
  let line = parts.join(' ')
  if (opts.stacks && log.stack_trace) line += `\n${chalk.dim(`    ${text(log.stack_trace)}`)}`
  return line
}

/** A log's text on the line: printable, each newline continued on an indented line. */
function text(s: string): string {
  return printable(s.replace(/\r?\n/g, '\n    '))
}

/** Colour of a log level, the same everywhere in the CLI. */
export function levelColor(level: string): (s: string) => string {
  switch (level) {
    case 'critical':
      return (s) => chalk.bgRed.white.bold(s)
    case 'error':
      return chalk.red
    case 'warning':
      return chalk.yellow
    case 'debug':
      return chalk.dim
    default:
      return chalk.cyan
  }
}
