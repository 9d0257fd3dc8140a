import { z } from 'zod'
import { LogSchema } from './ingest.js'
import { SlugSchema } from './projects.js'

/** Seconds the "now" rates average over (complete seconds only). */
export const RATE_WINDOW_SECONDS = 10
/** Length of the per-second series, in seconds (the sparkline's history). */
export const SERIES_SECONDS = 300
/** The window of the `*_5m` counts, in seconds. */
export const RECENT_WINDOW_SECONDS = 300

/** A count in a query string: an integer from 0 to 100. */
const countParam = (byDefault: number) =>
  z
    .string()
    .regex(/^[0-9]{1,3}$/, { message: 'must be an integer from 0 to 100' })
    .transform(Number)
    .refine((n) => n <= 100, { message: 'must be an integer from 0 to 100' })
    .default(byDefault)

/**
 * `GET /api/v1/stats/overview` query: `project` (a slug of the caller's) adds that project's
 * own series and latest logs and narrows `recent_errors` to it; `errors` is how many recent
 * error/critical logs to return (default 10, at most 100); `logs`, how many of the project's
 * latest logs (default 20, at most 100).
 */
export const OverviewQuerySchema = z.object({
  project: SlugSchema.optional(),
  errors: countParam(10),
  logs: countParam(20),
})
export type OverviewQuery = z.input<typeof OverviewQuerySchema>

export const OverviewProjectSchema = z.object({
  project_id: z.number().int(),
  slug: z.string(),
  name: z.string(),
  /** Logs accepted per second, averaged over the last RATE_WINDOW_SECONDS complete seconds. */
  logs_per_second: z.number(),
  /** Logs accepted in the last 5 minutes (by time received). */
  accepted_5m: z.number().int(),
  /** Error and critical logs accepted in the last 5 minutes. */
  errors_5m: z.number().int(),
  /** Accepted logs the worker has not moved into the indexed table yet. */
  queue_depth: z.number().int(),
  /** Queued logs the project may have before ingestion answers 503. */
  queue_capacity: z.number().int(),
  /** Logs accepted today (UTC), against `daily_quota`. */
  quota_used_today: z.number().int(),
  daily_quota: z.number().int(),
})
export type OverviewProject = z.infer<typeof OverviewProjectSchema>

export const OverviewKeySchema = z.object({
  key_id: z.number().int(),
  project_id: z.number().int(),
  project_slug: z.string(),
  name: z.string(),
  key_prefix: z.string(),
  is_active: z.boolean(),
  /** Requests made with the key in the last 60 seconds (allowed and throttled). */
  requests_per_minute: z.number().int(),
  /** The key's sustained limit per minute (its first limit's refill rate × 60). */
  limit_per_minute: z.number().int(),
  /** Requests refused by the rate limit in the last 5 minutes. */
  throttled_5m: z.number().int(),
  last_used: z.string().nullable(),
})
export type OverviewKey = z.infer<typeof OverviewKeySchema>

export const OverviewSchema = z.object({
  daemon: z.object({
    version: z.string(),
    started_at: z.string(),
    uptime_seconds: z.number().int(),
    /** The daemon's clock when the figures were taken. */
    now: z.string(),
    /** `degraded` when the queue worker is stopped or failing. */
    status: z.enum(['healthy', 'degraded']),
    worker_running: z.boolean(),
    /** Which daemon answered (`hostname:port`): several may serve one URL behind a load balancer. */
    instance: z.string().optional(),
    /** The backends the daemons of a team share: the database engine, and Redis's state. */
    backends: z
      .object({
        database: z.enum(['sqlite', 'postgres']),
        /** `ok`: limits shared; `down`: per instance until it is back; `not configured`: per instance. */
        redis: z.enum(['ok', 'down', 'not configured']),
      })
      .optional(),
  }),
  /** Totals over the caller's projects. */
  ingest: z.object({
    logs_per_second: z.number(),
    accepted_5m: z.number().int(),
    errors_5m: z.number().int(),
    queue_depth: z.number().int(),
    /** Logs accepted in each of the last SERIES_SECONDS complete seconds, oldest first. */
    series: z.array(z.number().int()),
  }),
  projects: z.array(OverviewProjectSchema),
  keys: z.array(OverviewKeySchema),
  /** The latest error/critical logs to arrive (newest arrival first), of every project or of `project`. */
  recent_errors: z.array(LogSchema),
  /** With `?project=`: that project's own series and latest logs of any level. */
  project: z
    .object({
      slug: z.string(),
      series: z.array(z.number().int()),
      error_series: z.array(z.number().int()),
      recent_logs: z.array(LogSchema),
    })
    .nullable(),
})
export type Overview = z.infer<typeof OverviewSchema>
