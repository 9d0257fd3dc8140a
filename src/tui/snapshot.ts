import type { Overview } from '../contract/stats.js'
import { formatLocalTimestamp } from '../shared/time.js'
import { bar, cell, compact, formatAgo, formatDuration, formatRate, logText, logTime, percent, sparkline } from './format.js'
import { KEY_SORTS, PROJECT_SORTS, slugOf, visibleKeys, visibleProjects } from './view.js'

// A snapshot lists rows in a stable order (scripts diff them): by slug, by key name.
const BY_SLUG = PROJECT_SORTS.findIndex((c) => c.label === 'slug')
const BY_NAME = KEY_SORTS.findIndex((c) => c.label === 'name')

/**
 * The figures of `ledger top` as plain text (no colours, no cursor movement): what it prints
 * when stdout is not a terminal. Same order as the screen: daemon, ingest, projects, keys,
 * recent errors. Times are local (or in `timeZone`, `UTC` for `--utc`), ages relative.
 */
export function renderSnapshot(o: Overview, url: string, width = 100, timeZone?: string): string {
  const d = o.daemon
  const when = (iso: string) => logTime(iso, d.now, timeZone)
  const lines: string[] = []
  lines.push(
    `Ledger daemon ${url}: ${d.status}${d.worker_running ? '' : ' (worker stopped)'}, v${d.version}, up ${formatDuration(d.uptime_seconds)}, at ${formatLocalTimestamp(Date.parse(d.now), timeZone)}`,
  )
  lines.push(
    `Ingest: ${formatRate(o.ingest.logs_per_second)} logs/s; last 5m ${o.ingest.accepted_5m} logs, ${o.ingest.errors_5m} errors; queue ${o.ingest.queue_depth}`,
  )
  lines.push(`Last 5m: |${sparkline(o.ingest.series, 60)}|`)
  if (d.instance || d.backends) lines.push(instanceLine(d))
  lines.push('')

  const projects = visibleProjects(o.projects, '', BY_SLUG)
  const slugWidth = Math.max(7, ...projects.map((p) => p.slug.length))
  lines.push(`Projects (${projects.length})`)
  lines.push(
    [cell('PROJECT', slugWidth), cell('LOGS/S', 7, 'right'), cell('QUEUE', 17), cell('ERR 5M', 6, 'right'), 'QUOTA TODAY'].join('  '),
  )
  for (const p of projects) {
    lines.push(
      [
        cell(p.slug, slugWidth),
        cell(formatRate(p.logs_per_second), 7, 'right'),
        cell(`${compact(p.queue_depth).padStart(5)} ${bar(p.queue_depth, p.queue_capacity, 10)}`, 17),
        cell(String(p.errors_5m), 6, 'right'),
        `${p.quota_used_today}/${p.daily_quota} (${percent(p.quota_used_today, p.daily_quota)})`,
      ].join('  '),
    )
  }
  if (projects.length === 0) lines.push('(no projects)')
  lines.push('')

  const keys = visibleKeys(o.keys, o.projects, '', BY_NAME)
  const nameWidth = Math.max(3, ...keys.map((k) => k.name.length))
  const keySlugWidth = Math.max(7, ...keys.map((k) => k.project_slug.length))
  lines.push(`API keys (${keys.length})`)
  lines.push(
    [cell('KEY', nameWidth), cell('PROJECT', keySlugWidth), cell('REQ/MIN', 11, 'right'), cell('THROTTLED', 9, 'right'), 'LAST USED'].join('  '),
  )
  for (const k of keys) {
    lines.push(
      [
        cell(k.name, nameWidth),
        cell(k.project_slug, keySlugWidth),
        cell(`${k.requests_per_minute}/${k.limit_per_minute}`, 11, 'right'),
        cell(String(k.throttled_5m), 9, 'right'),
        formatAgo(k.last_used, d.now),
      ].join('  '),
    )
  }
  if (keys.length === 0) lines.push('(no API keys)')
  lines.push('')

  lines.push(`Recent errors (${o.recent_errors.length})`)
  for (const l of o.recent_errors) {
    const head = `${when(l.timestamp)}  ${slugOf(o.projects, l.project_id)}  ${l.level.toUpperCase()}  `
    lines.push(head + cell(logText(l), Math.max(10, width - head.length)).trimEnd())
  }
  if (o.recent_errors.length === 0) lines.push('(no errors)')
  if (o.project) {
    lines.push('')
    lines.push(`Latest logs of ${o.project.slug} (${o.project.recent_logs.length})`)
    for (const l of o.project.recent_logs) {
      const head = `${when(l.timestamp)}  ${l.level.toUpperCase()}  `
      lines.push(head + cell(logText(l), Math.max(10, width - head.length)).trimEnd())
    }
  }
  return `${lines.join('\n')}\n`
}

/** The daemon that answered and the backends it shares with the others: `Instance: h:8000; database postgres; Redis ok`. */
export function instanceLine(d: Overview['daemon']): string {
  const parts = [`Instance: ${d.instance ?? '?'}`]
  if (d.backends) parts.push(`database ${d.backends.database}`, `Redis ${d.backends.redis}`)
  return parts.join('; ')
}
