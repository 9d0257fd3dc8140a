import type pg from 'pg'
import { insertInOrder } from '../../../shared/sorted.js'
import { attributeText } from '../attribute-text.js'
import type { IndexedRange, Indexer, LogWrite } from '../types.js'
import { BinaryArray, concatArrays, INT8, TEXT, TSVECTOR } from './binary.js'
import { BUS_CHANNEL, type IndexNews, indexedPayload } from './bus.js'
import { isUnavailable, unavailableReason } from './connection.js'
import { asciiSearchVector } from './fulltext.js'

// Full-text indexing on PostgreSQL, after the commit. A group commit holds the `log_ids` row
// lock until it is durable (ids in commit order: commits are serial), so whatever it does is
// done one commit at a time; the GIN index's updates were most of it. They are done here, in
// batches of up to 10,000 logs in id order, by one daemon at a time (whichever holds the
// `log_index` row: the others skip it), while the commits go on. `log_index.indexed_upto` is the
// watermark: every log with an id up to it is in `log_search`, searchable, and announced to the
// tails (of every daemon: the batch notifies them in its transaction).
//
// A daemon keeps the logs of its own commits in memory until they are indexed, and makes their
// vectors from them, without reading them back: the next batch's while the current one's INSERT
// runs in PostgreSQL. Logs committed by another daemon (or not kept: too many waiting, a commit
// whose answer was lost) are read back from `logs`.

/** Logs of this daemon's commits kept in memory at most; beyond, they are read back. */
const KEPT_MAX = 100_000

/** Logs per indexing transaction at most. */
const BATCH = 10_000
/** How soon a daemon that found another indexing looks again (ms). */
const BUSY_RETRY_MS = 50
/** How often the indexer looks for logs without being told (other daemons' commits, a failure; ms). */
const TICK_MS = 1000

/** Reads the logs a batch indexes: the fields the full text is made of. */
const READ_BATCH = `SELECT id, project_id, received_at, message, error_type, error_message, stack_trace, attributes
  FROM logs WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`

/**
 * Stores a batch's vectors and moves the watermark. The vector is made by the daemon for ASCII
 * logs (asciiSearchVector, sent in binary), by the SQL function for the others (their texts are
 * sent for that, NULL for the rest).
 */
const STORE_BATCH = `WITH stored AS (
    INSERT INTO log_search (id, project_id, received_at, search)
    SELECT id, project_id, received_at,
      coalesce(vector, ledger_search_vector(message, error_type, error_message, stack_trace, attribute_text))
    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::tsvector[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
      AS u(id, project_id, received_at, vector, message, error_type, error_message, stack_trace, attribute_text))
  UPDATE log_index SET indexed_upto = $10 WHERE id = 1`

interface LogText {
  id: number
  project_id: number
  received_at: number
  message: string | null
  error_type: string | null
  error_message: string | null
  stack_trace: string | null
  attributes: string | null
}

export interface IndexerLog {
  warn(obj: unknown, msg: string): void
}

/** What one pass found: logs indexed (and more waiting), nothing to do, or another daemon at it. */
type Outcome = 'more' | 'done' | 'idle' | 'busy'

/** Rows of `log_search`: STORE_BATCH's $1..$9, and the logs per project. */
interface Made {
  arrays: Buffer[]
  counts: Map<number, number>
}

/** A batch from the watermark: its rows, up to `upTo`, `rows` logs (fewer than `upTo - from` when some were deleted). */
interface Batch extends Made {
  upTo: number
  rows: number
}

/** A commit of this daemon's (logs `after < id ≤ upTo`), kept until indexed: its writes, then (once made) its rows. */
interface Kept {
  after: number
  upTo: number
  writes: readonly LogWrite[] | null
  made: Made | null
}

export class PostgresIndexer implements Indexer, IndexNews {
  private readonly listeners = new Set<(r: IndexedRange) => void>()
  /** Every log with an id up to this is indexed and was announced. */
  private announced: number
  private paused = false
  private closed = false
  private looping: Promise<void> | null = null
  private again = false
  private tick: NodeJS.Timeout | undefined
  private retry: NodeJS.Timeout | undefined
  private lastError: string | null = null
  /** This daemon's commits, in id order (not indexed yet, as far as it knows). */
  private kept: Kept[] = []
  private keptRows = 0
  private readonly whenReady: Promise<void>
  private markReady!: () => void

  constructor(
    private readonly pool: pg.Pool,
    private readonly instanceId: string,
    private readonly log: IndexerLog,
    indexedUpTo: number,
  ) {
    this.announced = indexedUpTo
    this.whenReady = new Promise((resolve) => (this.markReady = resolve))
  }

  start(): void {
    this.tick = setInterval(() => this.kick(), TICK_MS)
    this.tick.unref()
    // Next turn: a daemon started paused (LEDGER_WORKER_PAUSED) pauses right after this.
    setImmediate(() => this.kick())
  }

  /** Stops indexing; resolves once the batch under way (if any) has ended. */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.tick)
    clearTimeout(this.retry)
    await this.looping
  }

  subscribe(listener: (r: IndexedRange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** This daemon committed `writes` (their `lastLogId` set): kept until indexed. */
  stored(writes: readonly LogWrite[]): void {
    const rows = writes.reduce((n, w) => n + w.count, 0)
    if (rows === 0 || this.keptRows + rows > KEPT_MAX) return
    const last = writes.reduce((m, w) => Math.max(m, w.lastLogId), 0)
    insertInOrder(this.kept, { after: last - rows, upTo: last, writes, made: null }, (k) => k.after)
    this.keptRows += rows
  }

  /** Logs were stored (here or, heard on the bus, elsewhere): index them soon. */
  kick(): void {
    if (this.paused || this.closed) return
    if (this.looping) {
      this.again = true
      return
    }
    this.looping = this.loop().finally(() => (this.looping = null))
  }

  /** Indexes until nothing is left (or another daemon is at it, or a batch failed). */
  private async loop(): Promise<void> {
    do {
      this.again = false
      for (;;) {
        if (this.paused || this.closed) return
        let outcome: Outcome
        try {
          outcome = await this.batch()
          this.lastError = null
        } catch (err) {
          // The next tick tries again; health shows why meanwhile.
          const reason = isUnavailable(err) ? unavailableReason(err) : (err as Error).message
          if (this.lastError === null) this.log.warn({ reason }, 'full-text indexing failed; retrying')
          this.lastError = reason
          return
        }
        if (outcome === 'busy') {
          // Another daemon holds the watermark: it indexes what this one stored as well. Looked
          // at again shortly, in case it stops before reaching this daemon's latest logs.
          clearTimeout(this.retry)
          this.retry = setTimeout(() => this.kick(), BUSY_RETRY_MS)
          this.retry.unref()
          return
        }
        if (outcome !== 'more') break
      }
    } while (this.again)
  }

  /**
   * One batch, in one transaction: takes the watermark's row (or finds another daemon holding
   * it), reads the logs after it, stores their vectors, moves the watermark, notifies every
   * daemon (in the transaction: heard once it commits), commits, and announces the range here.
   */
  async batch(): Promise<Outcome> {
    const started = performance.now()
    const client = await this.pool.connect()
    // The server may end the connection between two of the batch's statements (a restart,
    // pg_terminate_backend): the next statement fails, and the error event must not be unheard.
    let cut: Error | undefined
    const onError = (err: Error) => (cut = err)
    client.on('error', onError)
    let done = false
    try {
      await client.query('BEGIN')
      const head = (
        await client.query<{ upto: number; last: number }>(
          `SELECT i.indexed_upto AS upto, (SELECT last FROM log_ids WHERE id = 1) AS last
           FROM log_index i WHERE i.id = 1 FOR UPDATE SKIP LOCKED`,
        )
      ).rows[0]
      if (!head || head.last <= head.upto) {
        await client.query('COMMIT')
        done = true
        if (head) this.polled(head.upto)
        return head ? 'idle' : 'busy'
      }
      const { upto: from, last } = head
      const batch = this.takeKept(from) ?? (await readBack(client, from, this.kept[0]?.after ?? last))
      const params: unknown[] = [...batch.arrays, batch.upTo]
      const storing = client.query(STORE_BATCH, params)
      // The next batch is made while PostgreSQL stores this one.
      this.makeAhead()
      await storing
      const ms = performance.now() - started
      const { upTo, counts } = batch
      await client.query('SELECT pg_notify($1, $2)', [
        BUS_CHANNEL,
        indexedPayload(this.instanceId, { from, upTo, rows: batch.rows, ms: Math.round(ms), counts }),
      ])
      await client.query('COMMIT')
      done = true
      this.heard(from, upTo, batch.rows, ms, counts)
      return upTo < last ? 'more' : 'done'
    } finally {
      if (!done && !cut) await client.query('ROLLBACK').catch(() => undefined)
      client.removeListener('error', onError)
      client.release(done && !cut ? undefined : true)
    }
  }

  /**
   * The kept commits that go on from the watermark `from`, as one batch (up to BATCH logs), or
   * undefined when none does (those at or below it were indexed by another daemon: dropped).
   */
  private takeKept(from: number): Batch | undefined {
    while (this.kept.length > 0 && this.kept[0]!.after < from) this.drop()
    let upTo = from
    let n = 0
    for (const k of this.kept) {
      if (k.after !== upTo || (n > 0 && upTo - from + (k.upTo - k.after) > BATCH)) break
      upTo = k.upTo
      n++
    }
    if (n === 0) return undefined
    const taken = this.kept.slice(0, n).map(made)
    for (let i = 0; i < n; i++) this.drop()
    const counts = new Map<number, number>()
    for (const p of taken) for (const [project, c] of p.counts) counts.set(project, (counts.get(project) ?? 0) + c)
    const arrays = taken[0]!.arrays.map((_, k) => concatArrays(taken.map((p) => p.arrays[k]!)))
    return { upTo, rows: upTo - from, arrays, counts }
  }

  /** Makes the batches of the kept commits next in line, up to BATCH logs. */
  private makeAhead(): void {
    let rows = 0
    for (const k of this.kept) {
      if (rows >= BATCH) break
      made(k)
      rows += k.upTo - k.after
    }
  }

  private drop(): void {
    const k = this.kept.shift()!
    this.keptRows -= k.upTo - k.after
  }

  /**
   * Logs `from < id ≤ upTo` were indexed (`rows` of them, in `ms`; per project in `counts`, or
   * null when the notification could not list them), by this daemon or another: announced,
   * unless an announcement went past them already. A gap before `from` (a batch not heard of)
   * makes the range's projects unknown: every tail reads it.
   */
  heard(from: number, upTo: number, rows: number, ms: number, counts: ReadonlyMap<number, number> | null): void {
    if (upTo <= this.announced) return
    const others = from > this.announced || counts === null ? ('unknown' as const) : counts
    this.announce({ upTo, rows, ms, others })
  }

  /** The watermark read `upTo` (the bus's check, a pass with nothing to do): announced if new. */
  polled(upTo: number): void {
    if (upTo <= this.announced) return
    this.announce({ upTo, rows: 0, ms: 0, others: 'unknown' })
  }

  /** The bus listens (again) and the watermark read `upTo` after that. */
  resync(upTo: number): void {
    this.polled(upTo)
    this.markReady()
  }

  private announce(range: IndexedRange): void {
    this.announced = range.upTo
    for (const l of this.listeners) l(range)
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    this.kick()
  }

  /** Once the bus listens (or gave up trying for now: it goes on trying). */
  ready(): Promise<void> {
    return this.whenReady
  }

  /** The bus could not connect at start: the daemon starts anyway (it keeps trying). */
  giveUpWaiting(): void {
    this.markReady()
  }

  get status() {
    return { running: !this.closed, paused: this.paused, indexed_upto: this.announced, last_error: this.lastError }
  }
}

/**
 * Reads back the logs after the watermark `from`, up to `until` (the next prepared batch's
 * start, or the last committed id), at most BATCH of them, and makes their batch.
 */
async function readBack(client: pg.PoolClient, from: number, until: number): Promise<Batch> {
  const rows = (await client.query<LogText>(READ_BATCH, [from, until, BATCH])).rows
  const b = new BatchArrays(rows.length)
  for (const r of rows) b.add(r.id, r.project_id, r.received_at, r.message, r.error_type, r.error_message, r.stack_trace, r.attributes)
  // A full batch stops at its last log; otherwise every id up to `until` was read (ids are given
  // in commit order: all of them are committed, some may have been deleted since).
  const upTo = rows.length === BATCH ? rows.at(-1)!.id : until
  return { upTo, rows: rows.length, ...b.done() }
}

/** A kept commit's rows, made from its writes (once; the writes are let go then). */
function made(k: Kept): Made {
  if (k.made === null) {
    k.made = fromWrites(k.writes!, k.upTo - k.after)
    k.writes = null
  }
  return k.made
}

/** The rows of a commit's writes (ids consecutive, up to each write's `lastLogId`). */
function fromWrites(writes: readonly LogWrite[], rows: number): Made {
  const b = new BatchArrays(rows)
  for (const w of writes) {
    const { message, error_type: errorType, error_message: errorMessage, stack_trace: stack, attributes } = w.logs
    const first = w.lastLogId - w.count + 1
    for (let i = 0; i < w.count; i++) {
      b.add(first + i, w.projectId, w.receivedAt, message[i] ?? null, errorType[i] ?? null, errorMessage[i] ?? null, stack[i] ?? null, attributes[i] ?? null)
    }
  }
  return b.done()
}

/** STORE_BATCH's $1..$9 for a batch, written log by log, and its logs per project. */
class BatchArrays {
  private readonly ids: BinaryArray
  private readonly projects: BinaryArray
  private readonly received: BinaryArray
  private readonly vectors: BinaryArray
  private readonly texts: BinaryArray[]
  private readonly counts = new Map<number, number>()

  constructor(n: number) {
    this.ids = new BinaryArray(INT8, 32 + n * 12)
    this.projects = new BinaryArray(INT8, 32 + n * 12)
    this.received = new BinaryArray(INT8, 32 + n * 12)
    this.vectors = new BinaryArray(TSVECTOR, 32 + n * 128)
    this.texts = [0, 1, 2, 3, 4].map(() => new BinaryArray(TEXT, 32 + n * 4))
  }

  /** A log: its id, project, receive time and the fields its text is made of (attributes as stored: JSON). */
  add(
    id: number,
    project: number,
    receivedAt: number,
    message: string | null,
    errorType: string | null,
    errorMessage: string | null,
    stack: string | null,
    attributes: string | null,
  ): void {
    this.counts.set(project, (this.counts.get(project) ?? 0) + 1)
    this.ids.int8(id)
    this.projects.int8(project)
    this.received.int8(receivedAt)
    const fields = [message, errorType, errorMessage, stack, attributeText(attributes)]
    const vector = asciiSearchVector(fields)
    this.vectors.tsvector(vector)
    // Only the SQL function needs the texts: for logs whose vector is made here, NULL.
    for (let k = 0; k < 5; k++) this.texts[k]!.text(vector === null ? fields[k] : null)
  }

  done(): Made {
    const arrays = [this.ids, this.projects, this.received, this.vectors, ...this.texts].map((a) => a.done())
    return { arrays, counts: this.counts }
  }
}
