/** pino's level numbers, as words. */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** `2026-12-03 15:04:05` in the local time zone (TZ), or UTC. */
export function localTimestamp(ms: number, utc = false): string {
  const d = new Date(ms)
  const [y, mo, day, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()]
  return `${y}-${pad(mo)}-${pad(day)} ${pad(h)}:${pad(mi)}:${pad(s)}`
}

/**
 * One line of daemon.log as people read it: `2026-12-03 15:04:05 INFO  GET /health 200 1.2ms`,
 * local time, the level in words, the message, and an error's message when there is one. A
 * line that is not one of the daemon's JSON lines (what a crashing start printed) is kept as is.
 */
export function formatDaemonLogLine(line: string): string {
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
  return `${localTimestamp(entry.time)} ${level} ${msg}${err}`
}
