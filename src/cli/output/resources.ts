import chalk from 'chalk'
import type { ApiKey } from '../../contract/api-keys.js'
import type { Panel } from '../../contract/panels.js'
import type { Project } from '../../contract/projects.js'
import { renderFields } from './table.js'
import type { Times } from './times.js'

/** How one project looks in human output. */
export function renderProject(p: Project): string {
  return renderFields([
    ['id', p.project_id],
    ['slug', p.slug],
    ['name', p.name],
    ['environment', p.environment],
    ['retention', `${p.retention_days} days`],
    ['daily quota', `${p.daily_quota} logs`],
  ])
}

/** A key's state in one word, coloured. */
export function keyState(k: Pick<ApiKey, 'is_active' | 'expires_at'> & { revoked?: boolean }): string {
  if (k.revoked) return chalk.red('revoked')
  if (k.expires_at && Date.parse(k.expires_at) <= Date.now()) return chalk.red('expired')
  return k.is_active ? chalk.green('active') : chalk.yellow('disabled')
}

/** How one API key looks in human output (never the secret: only its prefix), its times as `times` shows them. */
export function renderKey(k: ApiKey, times: Times): string {
  return renderFields([
    ['id', k.id],
    ['name', k.name],
    ['description', k.description],
    ['project', k.project_id],
    ['prefix', `${k.key_prefix}…`],
    ['scopes', k.scopes.join(', ')],
    ['state', keyState(k)],
    ['created', times.at(k.created_at)],
    ['expires', k.expires_at ? times.at(k.expires_at) : 'never'],
    ['last used', k.last_used ? times.atAgo(k.last_used) : 'never'],
    ['calls', k.usage_count],
  ])
}

/** How one panel looks in human output; an ISO end of its range is shown as `times` shows times. */
export function renderPanel(p: Panel, times: Times): string {
  return renderFields([
    ['id', p.id],
    ['name', p.name],
    ['type', p.type],
    ['index', p.index],
    ['project', p.project_id],
    ['from', times.point(p.time_range_from)],
    ['to', times.point(p.time_range_to)],
  ])
}
