import type { Log } from '../contract/ingest.js'
import type { OverviewKey, OverviewProject } from '../contract/stats.js'

/** A sortable column: its label and how two rows compare (best first). */
export interface SortColumn<T> {
  readonly label: string
  readonly compare: (a: T, b: T) => number
}

const bySlug = (a: OverviewProject, b: OverviewProject) => a.slug.localeCompare(b.slug)
const desc =
  <T>(f: (x: T) => number, tie: (a: T, b: T) => number) =>
  (a: T, b: T) =>
    f(b) - f(a) || tie(a, b)

/** The projects table's sort columns, in the order `s` cycles through them. */
export const PROJECT_SORTS: readonly SortColumn<OverviewProject>[] = [
  { label: 'logs/s', compare: desc((p) => p.logs_per_second, bySlug) },
  { label: 'queue', compare: desc((p) => p.queue_depth / Math.max(1, p.queue_capacity), bySlug) },
  { label: 'errors', compare: desc((p) => p.errors_5m, bySlug) },
  { label: 'quota', compare: desc((p) => p.quota_used_today / Math.max(1, p.daily_quota), bySlug) },
  { label: 'slug', compare: bySlug },
]

const byKeyName = (a: OverviewKey, b: OverviewKey) =>
  a.project_slug.localeCompare(b.project_slug) || a.name.localeCompare(b.name) || a.key_id - b.key_id

/** The keys table's sort columns. */
export const KEY_SORTS: readonly SortColumn<OverviewKey>[] = [
  { label: 'req/min', compare: desc((k) => k.requests_per_minute, byKeyName) },
  { label: 'throttled', compare: desc((k) => k.throttled_5m, byKeyName) },
  { label: 'last used', compare: desc((k) => (k.last_used ? Date.parse(k.last_used) : 0), byKeyName) },
  { label: 'name', compare: byKeyName },
]

const matches = (filter: string, ...texts: string[]) => {
  const f = filter.trim().toLowerCase()
  return f === '' || texts.some((t) => t.toLowerCase().includes(f))
}

/** Projects whose slug or name contains the filter, sorted by column `sort`. */
export function visibleProjects(
  projects: readonly OverviewProject[],
  filter: string,
  sort: number,
): OverviewProject[] {
  const column = PROJECT_SORTS[sort % PROJECT_SORTS.length]!
  return projects.filter((p) => matches(filter, p.slug, p.name)).sort(column.compare)
}

/** Keys of the projects the filter matches, sorted by column `sort`. */
export function visibleKeys(
  keys: readonly OverviewKey[],
  projects: readonly OverviewProject[],
  filter: string,
  sort: number,
): OverviewKey[] {
  const names = new Map(projects.map((p) => [p.project_id, p.name]))
  const column = KEY_SORTS[sort % KEY_SORTS.length]!
  return keys.filter((k) => matches(filter, k.project_slug, names.get(k.project_id) ?? '')).sort(column.compare)
}

/** Recent errors of the projects the filter matches (newest first, as the daemon sent them). */
export function visibleErrors(
  errors: readonly Log[],
  projects: readonly OverviewProject[],
  filter: string,
): Log[] {
  const byId = new Map(projects.map((p) => [p.project_id, p]))
  return errors.filter((l) => {
    const p = byId.get(l.project_id)
    return matches(filter, p?.slug ?? '', p?.name ?? '')
  })
}

/** The slug of a project id, or `#id` when it is not (or no longer) listed. */
export function slugOf(projects: readonly OverviewProject[], projectId: number): string {
  return projects.find((p) => p.project_id === projectId)?.slug ?? `#${projectId}`
}
