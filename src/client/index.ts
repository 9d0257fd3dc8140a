import type { Dispatcher } from 'undici'
import type { z } from 'zod'
import { Agent } from './undici-agent.js'
import {
  type Account,
  AccountSchema,
  type LoginRequest,
  type RefreshResponse,
  RefreshResponseSchema,
  type RegisterRequest,
  type RegisterResponse,
  RegisterResponseSchema,
  type TokenResponse,
  TokenResponseSchema,
} from '../contract/accounts.js'
import {
  type ApiKey,
  type ApiKeyDetail,
  ApiKeyDetailSchema,
  type ApiKeyList,
  ApiKeyListSchema,
  ApiKeySchema,
  type CheckRequest,
  type CheckResponse,
  CheckResponseSchema,
  type CreateApiKeyRequest,
  type CreatedApiKey,
  CreatedApiKeySchema,
  type DashboardStats,
  DashboardStatsSchema,
  type Limits,
  type LimitsRequest,
  LimitsSchema,
  type Metrics,
  MetricsSchema,
  type UpdateApiKeyRequest,
} from '../contract/api-keys.js'
import { type Success, SuccessSchema } from '../contract/common.js'
import { type DeepHealth, DeepHealthSchema, type Health, HealthSchema } from '../contract/health.js'
import {
  type BatchIngestResponse,
  BatchIngestResponseSchema,
  type LogInput,
  LogSchema,
  PROJECT_SLUG_HEADER,
  QUEUE_CAPACITY_HEADER,
  type QueueDepth,
  QueueDepthSchema,
  type SingleIngestResponse,
  SingleIngestResponseSchema,
} from '../contract/ingest.js'
import {
  type LogPage,
  LogPageSchema,
  type LogSearchParams,
  logQueryParameters,
  type TailEnd,
  TailEndSchema,
  type TailEvent,
  type TailParams,
} from '../contract/logs.js'
import {
  type Panel,
  type BucketSize,
  type PanelData,
  PanelDataSchema,
  type PanelInput,
  type PanelList,
  PanelListSchema,
  PanelSchema,
} from '../contract/panels.js'
import {
  type CreateProjectRequest,
  type Project,
  type ProjectList,
  ProjectListSchema,
  ProjectSchema,
  type UpdateProjectRequest,
} from '../contract/projects.js'
import { type Overview, type OverviewQuery, OverviewSchema } from '../contract/stats.js'
import { SseParser } from './sse.js'

/** The daemon answered with an error status; `detail` is its `{"detail"}` message. */
export class LedgerApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly headers: Record<string, string>,
  ) {
    super(detail)
    this.name = 'LedgerApiError'
  }
}

/** The daemon could not be reached at all (refused, reset, timed out). */
export class LedgerConnectionError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach the Ledger daemon at ${url}: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    })
    this.name = 'LedgerConnectionError'
  }
}

export interface RawResponse {
  status: number
  headers: Record<string, string>
  /** Parsed JSON when the body is JSON, a Buffer when protobuf, the text otherwise, null when empty. */
  body: unknown
}

export interface RequestOptions {
  body?: unknown
  /** A body sent as is (already serialised), e.g. malformed JSON in tests. */
  rawBody?: string | Buffer
  /** Aborts the request (it then fails with LedgerConnectionError). */
  signal?: AbortSignal
  query?: Record<string, string | number | undefined>
  headers?: Record<string, string>
  /** Override the credential for this call (null: send none). */
  credential?: string | null
}

export interface ClientOptions {
  /** e.g. `http://127.0.0.1:8000` */
  baseUrl: string
  /** Access token or API key sent as `Authorization: Bearer`. */
  credential?: string
  dispatcher?: Dispatcher
  /** Per-request timeout in ms (headers and body). */
  timeoutMs?: number
  /**
   * Called once when the daemon answers 401 to a request sent with `credential`: returns a new
   * credential (e.g. a refreshed access token) and the request is sent again with it.
   */
  refreshCredential?: (rejected: string) => Promise<string>
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v
  return out
}

/** The LedgerApiError of an error answer: the daemon's `detail`, else the status. */
function apiError(res: RawResponse): LedgerApiError {
  const detail = (res.body as { detail?: unknown } | null)?.detail
  return new LedgerApiError(res.status, typeof detail === 'string' ? detail : `HTTP ${res.status}`, res.headers)
}

// Tails still open per dispatcher (clients made by withCredential share one): closing the
// dispatcher would otherwise wait for streams that never end.
const openTails = new WeakMap<Dispatcher, Set<LedgerTail>>()

/** Typed client of the Ledger HTTP API, over undici. Responses are parsed with the contract. */
export class LedgerClient {
  readonly baseUrl: string
  credential: string | undefined
  private readonly dispatcher: Dispatcher
  private readonly ownsDispatcher: boolean
  private readonly timeoutMs: number
  private readonly refreshCredential: ClientOptions['refreshCredential']

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.credential = options.credential
    this.refreshCredential = options.refreshCredential
    this.ownsDispatcher = !options.dispatcher
    const UndiciAgent = Agent()
    this.dispatcher = options.dispatcher ?? new UndiciAgent({ keepAliveTimeout: 5_000, connections: 64 })
    this.timeoutMs = options.timeoutMs ?? 30_000
  }

  /** Whether a refused access token is refreshed (a stored login) before the call is given up. */
  get canRefresh(): boolean {
    return this.refreshCredential !== undefined && this.credential !== undefined
  }

  /** A client for the same daemon with another credential (shares connections). */
  withCredential(credential: string | undefined): LedgerClient {
    return new LedgerClient({
      baseUrl: this.baseUrl,
      credential,
      dispatcher: this.dispatcher,
      timeoutMs: this.timeoutMs,
    })
  }

  /** Closes the connections (this client's own, not a shared dispatcher's), open tails first. */
  async close(): Promise<void> {
    if (!this.ownsDispatcher) return
    for (const t of openTails.get(this.dispatcher) ?? []) t.close()
    await this.dispatcher.close()
  }

  /** Any request; never throws on an HTTP status (only when the daemon cannot be reached). */
  async raw(method: Dispatcher.HttpMethod, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const res = await this.send(method, path, opts)
    if (res.status === 401 && opts.credential === undefined && this.refreshCredential && this.credential) {
      this.credential = await this.refreshCredential(this.credential)
      return this.send(method, path, opts)
    }
    return res
  }

  private async send(method: Dispatcher.HttpMethod, path: string, opts: RequestOptions): Promise<RawResponse> {
    const headers: Record<string, string> = { ...opts.headers }
    const credential = opts.credential === undefined ? this.credential : opts.credential
    if (credential && !('authorization' in headers)) headers['authorization'] = `Bearer ${credential}`
    let body: string | Buffer | undefined
    if (opts.rawBody !== undefined) body = opts.rawBody
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body)
      headers['content-type'] ??= 'application/json'
    }
    const url = new URL(this.baseUrl + path)
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v))
    let res: Dispatcher.ResponseData
    try {
      res = await this.dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method,
        headers,
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: opts.signal,
      })
    } catch (err) {
      throw new LedgerConnectionError(this.baseUrl, err)
    }
    const resHeaders = flattenHeaders(res.headers)
    // OTLP answers protobuf requests in protobuf: those bodies stay bytes.
    if (resHeaders['content-type']?.includes('protobuf')) {
      return { status: res.statusCode, headers: resHeaders, body: Buffer.from(await res.body.arrayBuffer()) }
    }
    const text = await res.body.text()
    let parsed: unknown = null
    if (text.length > 0) {
      try {
        parsed = resHeaders['content-type']?.includes('json') ? JSON.parse(text) : text
      } catch {
        parsed = text
      }
    }
    return { status: res.statusCode, headers: resHeaders, body: parsed }
  }

  /** A request whose 2xx body is parsed with `schema`; any other status throws LedgerApiError. */
  async call<S extends z.ZodType>(
    schema: S | null,
    method: Dispatcher.HttpMethod,
    path: string,
    opts: RequestOptions = {},
  ): Promise<z.output<S>> {
    const res = await this.raw(method, path, opts)
    if (res.status < 200 || res.status >= 300) throw apiError(res)
    return schema ? schema.parse(res.body) : (undefined as z.output<S>)
  }

  health(): Promise<Health> {
    return this.call(HealthSchema, 'GET', '/health', { credential: null })
  }
  deepHealth(): Promise<DeepHealth> {
    return this.call(DeepHealthSchema, 'GET', '/health/deep', { credential: null })
  }

  register(body: RegisterRequest): Promise<RegisterResponse> {
    return this.call(RegisterResponseSchema, 'POST', '/api/v1/accounts/register', { body, credential: null })
  }
  login(body: LoginRequest): Promise<TokenResponse> {
    return this.call(TokenResponseSchema, 'POST', '/api/v1/accounts/login', { body, credential: null })
  }
  refresh(refresh_token: string): Promise<RefreshResponse> {
    return this.call(RefreshResponseSchema, 'POST', '/api/v1/accounts/refresh', { body: { refresh_token }, credential: null })
  }
  async revokeRefreshToken(refresh_token: string): Promise<void> {
    await this.call(null, 'POST', '/api/v1/accounts/revoke', { body: { refresh_token }, credential: null })
  }
  async logout(): Promise<void> {
    await this.call(null, 'POST', '/api/v1/accounts/logout')
  }
  me(): Promise<Account> {
    return this.call(AccountSchema, 'GET', '/api/v1/accounts/me')
  }

  createProject(body: CreateProjectRequest): Promise<Project> {
    return this.call(ProjectSchema, 'POST', '/api/v1/projects', { body })
  }
  listProjects(): Promise<ProjectList> {
    return this.call(ProjectListSchema, 'GET', '/api/v1/projects')
  }
  getProject(slug: string): Promise<Project> {
    return this.call(ProjectSchema, 'GET', `/api/v1/projects/${encodeURIComponent(slug)}`)
  }

  updateProject(slug: string, body: UpdateProjectRequest): Promise<Project> {
    return this.call(ProjectSchema, 'PATCH', `/api/v1/projects/${encodeURIComponent(slug)}`, { body })
  }

  /** Deletes a project with its logs, keys and panels (204). */
  async deleteProject(projectId: number): Promise<void> {
    await this.call(null, 'DELETE', `/api/v1/projects/${projectId}`)
  }

  createApiKey(projectId: number, body: CreateApiKeyRequest): Promise<CreatedApiKey> {
    return this.call(CreatedApiKeySchema, 'POST', `/api/v1/projects/${projectId}/api-keys`, { body })
  }
  revokeApiKey(keyId: number): Promise<Success> {
    return this.call(SuccessSchema, 'DELETE', `/api/v1/api-keys/${keyId}`)
  }
  /** The caller's keys, or one project's (`projectId`), a page at a time. */
  listApiKeys(opts: { projectId?: number; page?: number; size?: number } = {}): Promise<ApiKeyList> {
    const path = opts.projectId ? `/api/v1/projects/${opts.projectId}/api-keys` : '/api/v1/api-keys'
    return this.call(ApiKeyListSchema, 'GET', path, { query: { page: opts.page, size: opts.size } })
  }
  getApiKey(keyId: number): Promise<ApiKeyDetail> {
    return this.call(ApiKeyDetailSchema, 'GET', `/api/v1/api-keys/${keyId}`)
  }
  updateApiKey(keyId: number, body: UpdateApiKeyRequest): Promise<ApiKey> {
    return this.call(ApiKeySchema, 'PUT', `/api/v1/api-keys/${keyId}`, { body })
  }
  getKeyLimits(keyId: number): Promise<Limits> {
    return this.call(LimitsSchema, 'GET', `/api/v1/api-keys/${keyId}/limits`)
  }
  setKeyLimits(keyId: number, body: LimitsRequest): Promise<Limits> {
    return this.call(LimitsSchema, 'PUT', `/api/v1/api-keys/${keyId}/limits`, { body })
  }
  keyMetrics(keyId: number, from: string, to: string): Promise<Metrics> {
    return this.call(MetricsSchema, 'GET', `/api/v1/api-keys/${keyId}/metrics`, { query: { from, to } })
  }
  dashboardStats(): Promise<DashboardStats> {
    return this.call(DashboardStatsSchema, 'GET', '/api/v1/dashboard/stats')
  }
  /** Ledger as a rate limiter: 200 and 429 both answer with the decision (no exception). */
  async check(body: CheckRequest): Promise<CheckResponse> {
    const res = await this.raw('POST', '/api/v1/check', { body, credential: null })
    if (res.status === 429) return CheckResponseSchema.parse(res.body)
    if (res.status !== 200) {
      const detail = (res.body as { detail?: string } | null)?.detail ?? `HTTP ${res.status}`
      throw new LedgerApiError(res.status, detail, res.headers)
    }
    return CheckResponseSchema.parse(res.body)
  }

  listPanels(): Promise<PanelList> {
    return this.call(PanelListSchema, 'GET', '/api/v1/dashboard/panels')
  }
  createPanel(body: PanelInput): Promise<Panel> {
    return this.call(PanelSchema, 'POST', '/api/v1/dashboard/panels', { body })
  }
  updatePanel(id: string, body: PanelInput): Promise<Panel> {
    return this.call(PanelSchema, 'PUT', `/api/v1/dashboard/panels/${encodeURIComponent(id)}`, { body })
  }
  deletePanel(id: string): Promise<Success> {
    return this.call(SuccessSchema, 'DELETE', `/api/v1/dashboard/panels/${encodeURIComponent(id)}`)
  }
  /**
   * What a panel shows over its time range, by `type`: `logs` a page of its logs (newest
   * first; `limit`, `cursor` as in `logs()`), `errors` error/critical counts per bucket,
   * `metrics` counts per level per bucket. `bucket` (`1m` `5m` `15m` `1h` `6h` `1d`) overrides
   * the size the daemon picks (the smallest giving at most 100 buckets); every bucket of the
   * range is listed, empty ones with zeros, `timestamp` being its start (UTC, aligned).
   * @throws LedgerApiError 400 for a bad or inapplicable `bucket`/`limit`, 404 for no such panel.
   */
  panelData(id: string, opts: { bucket?: BucketSize; limit?: number; cursor?: string } = {}): Promise<PanelData> {
    return this.call(PanelDataSchema, 'GET', `/api/v1/dashboard/panels/${encodeURIComponent(id)}/data`, { query: opts })
  }

  ingestSingle(log: LogInput): Promise<SingleIngestResponse> {
    return this.call(SingleIngestResponseSchema, 'POST', '/api/v1/ingest/single', { body: log })
  }
  ingestBatch(logs: readonly unknown[], headers?: Record<string, string>): Promise<BatchIngestResponse> {
    return this.call(BatchIngestResponseSchema, 'POST', '/api/v1/ingest/batch', { body: { logs }, headers })
  }
  /**
   * One page of logs, newest first by timestamp, then id; pass `next_cursor` back as `cursor`
   * for the next page (`null` on the last). Filters are ANDed: `q` full text (words, `prefix*`,
   * `"a phrase"`, AND/OR/NOT, parentheses; processed logs only), `level` and `log_type` (one or
   * several), `environment`, `release`, `attr` (`{ user_id: 42 }` → `attr.user_id=42`), `from`
   * and `to` (ISO 8601, inclusive). With an access token, `project_id` is required.
   * @throws LedgerApiError 400 with a detail naming the parameter (e.g. a bad `q`).
   */
  logs(query: LogSearchParams = {}): Promise<LogPage> {
    return this.call(LogPageSchema, 'GET', '/api/v1/logs', { query: logQueryParameters(query) })
  }
  /**
   * Opens the live tail (`GET /api/v1/logs/tail`, server-sent events) and resolves once the
   * daemon has accepted it: from then on every newly processed log that passes the filters (the
   * same as `logs()`, plus `backlog`: the last N matching logs first) arrives, in processing
   * order, each exactly once. Iterate the result; it ends when the daemon ends the stream (a
   * restart, a reader too slow to keep up, or a credential that stopped being valid: then
   * `tail.ended` says why) and throws LedgerConnectionError when the connection breaks. Unless
   * the credential is gone, open a new tail with `{ lastEventId: tail.lastEventId }` to resume
   * right after the last event received, with no gap and no repeat:
   *
   * ```ts
   * let lastEventId: number | undefined
   * for (;;) {
   *   try {
   *     const tail = await client.tail({ q: 'timeout' }, { lastEventId })
   *     for await (const { log } of tail) { print(log); lastEventId = tail.lastEventId }
   *     if (tail.ended && tail.ended.reason !== 'shutdown') throw new Error(tail.ended.detail)
   *   } catch (err) { if (!(err instanceof LedgerConnectionError)) throw err }
   *   await sleep(1000)
   * }
   * ```
   * @throws LedgerApiError for a refused request (400 bad filter, 401, 403 scope).
   */
  async tail(
    query: TailParams = {},
    opts: { lastEventId?: number; signal?: AbortSignal; idleTimeoutMs?: number } = {},
  ): Promise<LedgerTail> {
    const url = new URL(`${this.baseUrl}/api/v1/logs/tail`)
    for (const [k, v] of Object.entries(logQueryParameters(query))) url.searchParams.set(k, v)
    const open = async (): Promise<Dispatcher.ResponseData> => {
      const headers: Record<string, string> = { accept: 'text/event-stream' }
      if (this.credential) headers['authorization'] = `Bearer ${this.credential}`
      if (opts.lastEventId !== undefined) headers['last-event-id'] = String(opts.lastEventId)
      try {
        return await this.dispatcher.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'GET',
          headers,
          signal: opts.signal,
          headersTimeout: this.timeoutMs,
          // Heartbeats come every 15 s: a minute of silence means the daemon is gone.
          bodyTimeout: opts.idleTimeoutMs ?? 60_000,
        })
      } catch (err) {
        throw new LedgerConnectionError(this.baseUrl, err)
      }
    }
    let res = await open()
    // An access token that expired (a tail the daemon ended with `token_expired`): refreshed
    // once, as every other call does.
    if (res.statusCode === 401 && this.refreshCredential && this.credential) {
      await res.body.text().catch(() => '')
      this.credential = await this.refreshCredential(this.credential)
      res = await open()
    }
    if (res.statusCode !== 200) {
      const text = await res.body.text().catch(() => '')
      let body: unknown = null
      try {
        body = JSON.parse(text)
      } catch {
        // not JSON: the error says the status
      }
      throw apiError({ status: res.statusCode, headers: flattenHeaders(res.headers), body })
    }
    let tails = openTails.get(this.dispatcher)
    if (!tails) openTails.set(this.dispatcher, (tails = new Set()))
    const tail = new LedgerTail(res.body, this.baseUrl, opts.lastEventId, opts.signal)
    tails.add(tail)
    res.body.once('close', () => tails.delete(tail))
    return tail
  }

  queueDepth(): Promise<QueueDepth> {
    return this.call(QueueDepthSchema, 'GET', '/api/v1/queue/depth')
  }

  /** The key's queue depth with what the daemon says of its project in headers (slug, capacity; null if not sent). */
  async queueDepthWithProject(): Promise<QueueDepth & { slug: string | null; queue_capacity: number | null }> {
    const res = await this.raw('GET', '/api/v1/queue/depth')
    if (res.status < 200 || res.status >= 300) throw apiError(res)
    const depth = QueueDepthSchema.parse(res.body)
    const header = (name: string): string | null => {
      const v = res.headers[name]
      return typeof v === 'string' ? v : null
    }
    const capacity = header(QUEUE_CAPACITY_HEADER)
    return { ...depth, slug: header(PROJECT_SLUG_HEADER), queue_capacity: capacity === null ? null : Number(capacity) }
  }

  /** The live figures of `ledger top` for the caller's account (access token). */
  statsOverview(query: OverviewQuery = {}): Promise<Overview> {
    return this.call(OverviewSchema, 'GET', '/api/v1/stats/overview', {
      query: { project: query.project, errors: query.errors, logs: query.logs },
    })
  }
}

/**
 * An open live tail: an async iterable of `{ id, log }` events. `lastEventId` is the id of the
 * last event handed out (or the one resumed from), for reconnecting.
 */
export class LedgerTail implements AsyncIterable<TailEvent> {
  /** Id of the last event received; pass it as `lastEventId` to resume. */
  lastEventId: number | undefined
  /**
   * Why the daemon ended the stream (its last event, `event: end`), once the iteration is over:
   * `shutdown`, or a credential that stopped being valid (revoked, disabled, expired, logged
   * out…), which reconnecting with the same credential cannot fix. Undefined when the stream
   * ended without saying why (a connection cut, a reader too slow).
   */
  ended: TailEnd | undefined
  private readonly parser = new SseParser()
  private iterating = false
  private closed = false

  constructor(
    private readonly body: Dispatcher.ResponseData['body'],
    private readonly baseUrl: string,
    lastEventId: number | undefined,
    private readonly signal?: AbortSignal,
  ) {
    this.lastEventId = lastEventId
  }

  /** Comment lines received so far: the greeting and the heartbeats. */
  get comments(): number {
    return this.parser.comments
  }

  /** Closes the connection; an iteration under way ends. */
  close(): void {
    this.closed = true
    this.body.destroy()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TailEvent> {
    if (this.iterating) throw new Error('a tail can be iterated only once')
    this.iterating = true
    const decoder = new TextDecoder()
    const chunks = this.body[Symbol.asyncIterator]()
    try {
      for (;;) {
        let chunk: Buffer
        try {
          const r = await chunks.next()
          if (r.done) return
          chunk = r.value as Buffer
        } catch (err) {
          // Closed on purpose (close(), or the caller's abort signal): the iteration just ends.
          if (this.closed || this.signal?.aborted) return
          throw new LedgerConnectionError(this.baseUrl, err)
        }
        for (const m of this.parser.push(decoder.decode(chunk, { stream: true }))) {
          if (m.event === 'end') {
            // The daemon ended the stream and said why: the iteration ends here.
            this.ended = TailEndSchema.parse(JSON.parse(m.data))
            return
          }
          const id = Number(m.id)
          if (m.id === '' || !Number.isSafeInteger(id)) throw new Error(`malformed tail event id '${m.id}'`)
          const log = LogSchema.parse(JSON.parse(m.data))
          this.lastEventId = id
          yield { id, log }
        }
      }
    } finally {
      this.body.destroy()
    }
  }
}
