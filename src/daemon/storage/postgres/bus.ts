import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { ClusterBus, ClusterEvent } from '../types.js'
import { unavailableReason } from './connection.js'

// The daemons on one database tell each other what they changed with PostgreSQL's
// LISTEN/NOTIFY: no server beyond the database they already share, and a notification sent in a
// transaction is delivered only if (and when) it commits, in commit order. Payloads are small
// JSON (PostgreSQL refuses more than 8000 bytes): ids, ranges and counts, never log bodies.

/** The channel every Ledger daemon on the database listens on. */
export const BUS_CHANNEL = 'ledger_bus'
/** A notification's payload at most (PostgreSQL's limit is 8000 bytes). */
const MAX_PAYLOAD = 7800
/** Projects per depth notification: a daemon with more sends several. */
const DEPTHS_PER_MESSAGE = 300

/** What travels on the channel: who sent it, and what. */
interface Wire {
  /** The sending daemon's instance id. */
  i: string
  e:
    | ClusterEvent
    /** An indexing batch: logs `from < id ≤ upTo`, `counts` per project (null: too many to list). */
    | { kind: 'indexed'; from: number; upTo: number; rows: number; ms: number; counts: Array<[number, number]> | null }
    /** The sender's queue depths (`part` of a set; the set ends with `last`). */
    | { kind: 'depths'; depths: Array<[number, number]>; set: number; last: boolean }
}

/** What the bus tells the indexer (indexer.ts) of the batches indexed and of the watermark. */
export interface IndexNews {
  /** A batch was indexed (by any daemon; `counts` null: too many projects to list). */
  heard(from: number, upTo: number, rows: number, ms: number, counts: ReadonlyMap<number, number> | null): void
  /** The watermark, read on the listening connection. */
  polled(upTo: number): void
  /** The bus listens (again); the watermark read after that. */
  resync(upTo: number): void
  /** The bus could not connect at start: the daemon starts anyway. */
  giveUpWaiting(): void
}

export interface BusLog {
  warn(obj: unknown, msg: string): void
  error(obj: unknown, msg: string): void
}

export interface BusOptions {
  /** How often this daemon announces its queue depths while it has any (ms, default 1000). */
  heartbeatMs?: number
  /** Another daemon's depths are forgotten when it has not announced them for this long (ms, default 3000). */
  peerTtlMs?: number
  /** How often the listening connection is checked (a query reading the index's watermark; ms, default 5000). */
  checkMs?: number
}

/** The payload an indexing batch sends inside its transaction (indexer.ts). */
export function indexedPayload(
  instanceId: string,
  batch: { from: number; upTo: number; rows: number; ms: number; counts: ReadonlyMap<number, number> },
): string {
  const e = { kind: 'indexed' as const, from: batch.from, upTo: batch.upTo, rows: batch.rows, ms: batch.ms }
  const full = JSON.stringify({ i: instanceId, e: { ...e, counts: [...batch.counts] } } satisfies Wire)
  if (full.length <= MAX_PAYLOAD) return full
  return JSON.stringify({ i: instanceId, e: { ...e, counts: null } } satisfies Wire)
}

/**
 * One daemon's end of the bus: a connection of its own that LISTENs (reconnected, and
 * LISTENing again, whenever it is cut; then everything cached is treated as possibly stale:
 * `resync`), and the pool for NOTIFY. It also carries each daemon's queue depths, so that
 * `/queue/depth` counts every daemon's queue: a daemon announces its depths every second while
 * it has any (and once more when they fall to none), and another's are forgotten 3 s after its
 * last announcement (a daemon killed with logs in its queue stops counting then).
 */
export class PostgresBus implements ClusterBus {
  private readonly listeners = new Set<(event: ClusterEvent | { kind: 'resync' }) => void>()
  private client: pg.Client | null = null
  private connectedOnce = false
  private closed = false
  private reconnects = 0
  private retryMs = 250
  private retryTimer: NodeJS.Timeout | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private readDepths: () => ReadonlyMap<number, number> = () => new Map()
  private sentDepths = false
  private depthSet = 0
  private ticks = 0
  private readonly peers = new Map<string, { depths: Map<number, number>; seenAt: number }>()
  /** Depth sets being received, by sender: the parts so far. */
  private readonly partial = new Map<string, { set: number; depths: Array<[number, number]> }>()
  private lastError: string | null = null
  private sendFailing = false

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly indexer: IndexNews,
    private readonly log: BusLog,
    private readonly opts: BusOptions = {},
    /** This daemon's name on the bus (its indexer's notifications carry it too). */
    readonly instanceId: string = randomUUID(),
  ) {}

  /** Connects and listens (retrying until it can), and starts the heartbeat. */
  start(): void {
    void this.connect()
    const every = this.opts.heartbeatMs ?? 1000
    const checkEvery = Math.max(1, Math.round((this.opts.checkMs ?? 5000) / every))
    this.heartbeat = setInterval(() => {
      this.expirePeers()
      void this.announceDepths()
      if (++this.ticks % checkEvery === 0) void this.check()
    }, every)
    this.heartbeat.unref()
    // A daemon must not wait for ever on a bus that cannot connect: it starts, and keeps trying.
    setTimeout(() => this.indexer.giveUpWaiting(), 10_000).unref()
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.heartbeat)
    clearTimeout(this.retryTimer)
    // Whoever counts this daemon's queue stops now, not 3 s later.
    if (this.sentDepths) await this.send({ kind: 'depths', depths: [], set: ++this.depthSet, last: true })
    const c = this.client
    this.client = null
    await c?.end().catch(() => undefined)
  }

  async publish(event: ClusterEvent): Promise<void> {
    await this.send(event)
  }

  subscribe(listener: (event: ClusterEvent | { kind: 'resync' }) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  shareDepths(read: () => ReadonlyMap<number, number>): void {
    this.readDepths = read
  }

  othersDepth(projectId?: number): number {
    this.expirePeers()
    let n = 0
    for (const p of this.peers.values()) {
      if (projectId === undefined) for (const d of p.depths.values()) n += d
      else n += p.depths.get(projectId) ?? 0
    }
    return n
  }

  report() {
    this.expirePeers()
    return {
      status: this.client ? ('healthy' as const) : ('degraded' as const),
      transport: 'postgres LISTEN/NOTIFY',
      instance_id: this.instanceId,
      listening: this.client !== null,
      other_daemons_with_queued_logs: this.peers.size,
      reconnects: this.reconnects,
      last_error: this.lastError,
    }
  }

  private async send(e: Wire['e']): Promise<void> {
    try {
      await this.pool.query('SELECT pg_notify($1, $2)', [BUS_CHANNEL, JSON.stringify({ i: this.instanceId, e } satisfies Wire)])
      this.sendFailing = false
    } catch (err) {
      this.lastError = unavailableReason(err)
      // Once per outage, not once a second (the depth heartbeat) or per request.
      if (!this.sendFailing) this.log.warn({ reason: this.lastError, kind: e.kind }, 'could not tell the other daemons of a change')
      this.sendFailing = true
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      // Named with the instance: an operator (or a test) can tell whose listening connection it is.
      application_name: `ledger-bus ${this.instanceId}`,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
    })
    client.on('notification', (m) => {
      if (m.channel === BUS_CHANNEL && m.payload) this.received(m.payload)
    })
    client.on('error', (err) => this.lost(client, err))
    client.on('end', () => this.lost(client))
    let last: number
    try {
      await client.connect()
      await client.query(`LISTEN ${BUS_CHANNEL}`)
      // After LISTEN: whatever was indexed before it is read here, whatever after is heard.
      last = await readWatermark(client)
    } catch (err) {
      client.removeAllListeners('end')
      client.on('error', () => undefined)
      await client.end().catch(() => undefined)
      this.lastError = unavailableReason(err)
      this.retry()
      return
    }
    if (this.closed) {
      await client.end().catch(() => undefined)
      return
    }
    this.client = client
    this.retryMs = 250
    // Logs indexed while nobody listened are announced (their projects unknown), and whatever the
    // services cached may be stale: they are told to look again.
    this.indexer.resync(last)
    if (this.connectedOnce) {
      this.reconnects++
      this.peers.clear()
      this.log.warn({ reconnects: this.reconnects }, 'listening to the other daemons again; cached credentials and limits are read again')
      for (const l of this.listeners) this.deliver(l, { kind: 'resync' })
    }
    this.connectedOnce = true
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.client !== client) return
    this.client = null
    this.lastError = err ? unavailableReason(err) : 'the connection ended'
    this.log.warn({ reason: this.lastError }, 'the connection listening to the other daemons was cut; reconnecting')
    client.on('error', () => undefined)
    void client.end().catch(() => undefined)
    this.retry()
  }

  private retry(): void {
    if (this.closed || this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      void this.connect()
    }, this.retryMs)
    this.retryTimer.unref()
    this.retryMs = Math.min(this.retryMs * 2, 5000)
  }

  /** Reads the index's watermark on the listening connection: it is alive, and no batch went unannounced. */
  private async check(): Promise<void> {
    const c = this.client
    if (!c) return
    try {
      this.indexer.polled(await readWatermark(c))
    } catch (err) {
      this.lost(c, err as Error)
    }
  }

  private received(payload: string): void {
    let w: Wire
    try {
      w = JSON.parse(payload) as Wire
    } catch {
      return
    }
    const e = w.e
    if (e.kind === 'indexed') {
      // This daemon's own batches were announced when they committed: those come back ignored.
      this.indexer.heard(e.from, e.upTo, e.rows, e.ms, e.counts && new Map(e.counts))
      return
    }
    if (w.i === this.instanceId) return
    if (e.kind === 'depths') {
      const part = this.partial.get(w.i)
      const depths = part && part.set === e.set ? [...part.depths, ...e.depths] : e.depths
      if (!e.last) {
        this.partial.set(w.i, { set: e.set, depths })
        return
      }
      this.partial.delete(w.i)
      if (depths.length === 0) this.peers.delete(w.i)
      else this.peers.set(w.i, { depths: new Map(depths), seenAt: Date.now() })
      return
    }
    for (const l of this.listeners) this.deliver(l, e)
  }

  private deliver(l: (event: ClusterEvent | { kind: 'resync' }) => void, e: ClusterEvent | { kind: 'resync' }): void {
    try {
      l(e)
    } catch (err) {
      this.log.error({ err, kind: e.kind }, 'a change told by another daemon could not be applied')
    }
  }

  /** Every second while this daemon has logs queued, and once more when it has none left. */
  private async announceDepths(): Promise<void> {
    const depths = [...this.readDepths()].filter(([, n]) => n > 0)
    if (depths.length === 0 && !this.sentDepths) return
    this.sentDepths = depths.length > 0
    const set = ++this.depthSet
    for (let i = 0; i === 0 || i < depths.length; i += DEPTHS_PER_MESSAGE) {
      const part = depths.slice(i, i + DEPTHS_PER_MESSAGE)
      await this.send({ kind: 'depths', depths: part, set, last: i + DEPTHS_PER_MESSAGE >= depths.length })
    }
  }

  private expirePeers(): void {
    const before = Date.now() - (this.opts.peerTtlMs ?? 3000)
    for (const [id, p] of this.peers) if (p.seenAt < before) this.peers.delete(id)
  }
}

/** `log_index.indexed_upto`: every log with an id up to it is indexed. */
async function readWatermark(c: pg.Client): Promise<number> {
  return Number((await c.query<{ upto: string }>('SELECT indexed_upto AS upto FROM log_index WHERE id = 1')).rows[0]!.upto)
}
