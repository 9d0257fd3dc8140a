import type { Times } from './times.js'

/** pino's level numbers, as words. */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }

/**
 * One line of daemon.log as people read it: `2026-12-03 15:04:05 INFO  GET /health 200 1.2ms`,
 * local time (or UTC: `times`), the level in words, the message, and an error's message when there is one. A
 * line that is not one of the daemon's JSON lines (what a crashing start printed) is kept as is.
 */
export function formatDaemonLogLine(line: string, times: Times): string {
  let entry: { time?: unknown; level?: unknown; msg?: unknown; err?: { message?: unknown } }
  try {
    entry = JSON.parse(line) as typeof entry
  } catch {
    return line
  }
  if (entry === null || typeof entry !== 'object' || typeof entry.time !== 'number' || typeof entry.level !== 'number') return line
  const level = (LEVELS[entry.level] ?? String(entry.level)).padEnd(5)
  const msg = typeof entry.msg === 'string' ? entry.msg : ''
  const err = typeof entry.err?.message === 'string' && !msg.includes(entry.err.message) ? `: ${entry.err.message}` : ''
  return `${times.plain(entry.time)} ${level} ${msg}${err}`
}
