import type { Log } from '../../src/contract/ingest.js'
import { type Overview, type OverviewKey, type OverviewProject, SERIES_SECONDS } from '../../src/contract/stats.js'

export const NOW = '2025-10-17T10:00:00Z'

export function project(p: Partial<OverviewProject> & Pick<OverviewProject, 'project_id' | 'slug'>): OverviewProject {
  return {
    name: p.slug.toUpperCase(),
    logs_per_second: 0,
    accepted_5m: 0,
    errors_5m: 0,
    queue_depth: 0,
    queue_capacity: 1000,
    quota_used_today: 0,
    daily_quota: 1_000_000,
    ...p,
  }
}

export function key(k: Partial<OverviewKey> & Pick<OverviewKey, 'key_id' | 'project_id' | 'project_slug' | 'name'>): OverviewKey {
  return {
    key_prefix: `ldg_proj_${k.project_id}_abcdef`,
    is_active: true,
    requests_per_minute: 0,
    limit_per_minute: 1000,
    throttled_5m: 0,
    last_used: null,
    ...k,
  }
}

export function errorLog(id: number, projectId: number, message: string, level: Log['level'] = 'error', timestamp = NOW): Log {
  return {
    id,
    project_id: projectId,
    timestamp,
    received_at: timestamp,
    level,
    log_type: 'exception',
    importance: 'high',
    message,
    error_type: null,
    error_message: null,
    stack_trace: null,
    environment: null,
    release: null,
    sdk_version: null,
    platform: null,
    platform_version: null,
    attributes: null,
  }
}

/** Three projects with distinct figures, so each sort column orders them differently. */
export function overview(over: Partial<Overview> = {}): Overview {
  const series = new Array<number>(SERIES_SECONDS).fill(0)
  series[SERIES_SECONDS - 1] = 57
  series[SERIES_SECONDS - 2] = 20
  return {
    daemon: {
      version: '9.8.7',
      started_at: '2025-10-17T07:55:00Z',
      uptime_seconds: 7500,
      now: NOW,
      status: 'healthy',
      worker_running: true,
    },
    ingest: { logs_per_second: 7.7, accepted_5m: 77, errors_5m: 6, queue_depth: 910, series },
    projects: [
      project({ project_id: 1, slug: 'api', logs_per_second: 5.5, errors_5m: 1, queue_depth: 10, quota_used_today: 900_000 }),
      project({ project_id: 2, slug: 'payments', logs_per_second: 2.2, errors_5m: 5, queue_depth: 900 }),
      project({ project_id: 3, slug: 'web', logs_per_second: 0, queue_depth: 0, quota_used_today: 10 }),
    ],
    keys: [
      key({ key_id: 11, project_id: 1, project_slug: 'api', name: 'api-prod', requests_per_minute: 420, last_used: '2025-10-17T09:59:55Z' }),
      key({ key_id: 12, project_id: 2, project_slug: 'payments', name: 'pay-worker', requests_per_minute: 3, throttled_5m: 17, last_used: '2025-10-17T09:57:00Z' }),
    ],
    recent_errors: [
      errorLog(101, 2, 'card declined upstream', 'error', '2025-10-17T09:59:58Z'),
      errorLog(102, 1, 'database connection lost', 'critical', '2025-10-17T09:59:50Z'),
    ],
    project: null,
    ...over,
  }
}
