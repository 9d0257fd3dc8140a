import type { Log } from '../contract/ingest.js'
import { printable } from '../shared/printable.js'
import { formatAgo as formatAgoMs, formatClock, formatWhen, wallClock } from '../shared/time.js'

export { formatDuration, sparkline } from '../shared/format.js'

/** `12`, `1.2k`, `34k`, `1.5M`: a count in at most 5 characters. */
export function compact(n: number): string {
  const abs = Math.abs(n)
  if (abs < 1000) return String(Math.round(n * 10) / 10)
  const [div, unit] = abs < 1e6 ? [1e3, 'k'] : abs < 1e9 ? [1e6, 'M'] : [1e9, 'G']
  const v = n / div
  return `${Math.abs(v) < 10 ? v.toFixed(1) : Math.round(v)}${unit}`
}

/** Logs per second: one decimal below 100, whole above. */
export function formatRate(perSecond: number): string {
  return perSecond < 100 ? perSecond.toFixed(1) : compact(perSecond)
}

/** How long before `now` a timestamp was: `never`, `just now`, `5s ago`, `3m ago`… (see shared formatAgo). */
export function formatAgo(iso: string | null, nowIso: string): string {
  return formatAgoMs(iso ? Date.parse(iso) : null, Date.parse(nowIso))
}

/**
 * `HH:MM:SS` of an ISO timestamp on the wall clock of `timeZone` (an IANA name, `UTC` with
 * `--utc`; undefined: this machine's zone, as `TZ` sets it).
 */
export function clockTime(iso: string, timeZone?: string): string {
  return formatClock(Date.parse(iso), timeZone)
}

/** The short name of `timeZone` (undefined: this machine's) at an instant: `UTC`, `GMT+9`, `EST`. */
export function zoneName(iso: string, timeZone?: string): string {
  return wallClock(Date.parse(iso), timeZone).zone
}

/** A log's time in a list: `HH:MM:SS` on the day of `nowIso`, else `Oct 16 09:59` or `2024-10-16`. */
export function logTime(iso: string, nowIso: string, timeZone?: string): string {
  return formatWhen(Date.parse(iso), Date.parse(nowIso), timeZone)
}


/**
 * `███░░░░░░░`: `value` of `max` in `width` cells, each cell filled when at least half of it is
 * (6 of 100,000 is an empty bar: the figure beside it tells that it is not zero).
 */
export function bar(value: number, max: number, width: number): string {
  if (width <= 0) return ''
  const ratio = max <= 0 ? 0 : Math.max(0, Math.min(1, value / max))
  const filled = Math.round(ratio * width)
  return '█'.repeat(filled) + '░'.repeat(width - filled)
}

/** Percent, whole, of a part (`0%` when the whole is 0). */
export function percent(part: number, whole: number): string {
  return whole <= 0 ? '0%' : `${Math.floor((part / whole) * 100)}%`
}

/** Cuts `text` to `width` characters, ending with `…` when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return ''
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`
}

/** Left- (or right-) aligned in exactly `width` characters. */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const t = truncate(text, width)
  return align === 'left' ? t.padEnd(width) : t.padStart(width)
}

/** The one line a log shows as: its message, else its error type and message. */
export function logText(log: Log): string {
  const text = log.message ?? [log.error_type, log.error_message].filter(Boolean).join(': ')
  return printable(text.replace(/\s+/g, ' ').trim()) || '(no message)'
}

/**
 * `text` in lines of at most `width` characters, broken at spaces (a word longer than a line
 * is cut). Newlines in `text` start new lines; an empty text is one empty line.
 */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width)
  const out: string[] = []
  for (const para of text.split('\n')) {
    let line = ''
    for (const word of para.split(' ')) {
      let rest = word
      while (rest.length > 0 || line === '') {
        const sep = line === '' ? '' : ' '
        if (line.length + sep.length + rest.length <= w) {
          line += sep + rest
          rest = ''
          break
        }
        if (line !== '') {
          out.push(line)
          line = ''
          continue
        }
        out.push(rest.slice(0, w))
        rest = rest.slice(w)
      }
    }
    out.push(line)
  }
  return out
}
