import type { FastifyReply } from 'fastify'
import type { TailEnd } from '../../contract/logs.js'
import type { TailFrame, TailSubscription } from '../services/tail.js'

export interface SseOptions {
  /** A comment line this often keeps idle connections (and proxies) open. */
  heartbeatMs: number
  /** A client whose socket has not drained for this long is cut off. */
  stallMs: number
}

// Unsent bytes above which no more events are read until the socket drains: with at most one
// batch read ahead, a connection holds about this much plus one log, however slow its reader.
const HIGH_WATER = 64 * 1024
// Events taken per step: what fits under HIGH_WATER is written at once, the rest waits.
const BATCH = 500
// A tail that is behind reads the database by itself: at most this often, and waiting at least
// READ_PACING times as long as its last read took (a prefix search over a big index costs tens
// of ms a read), so it never takes more than a fifth of the daemon's time. A caught-up tail's
// events come from its project's feed, in memory, and are sent at once.
const MIN_READ_INTERVAL_MS = 50
const READ_PACING = 4
// An ended stream whose last bytes cannot be delivered is destroyed after this.
const END_GRACE_MS = 1000

/**
 * Streams a tail as server-sent events on a hijacked reply: `id: <log id>` and `data: <log
 * JSON>` per log, `: heartbeat` comments when idle, and when the daemon ends the stream, a last
 * `event: end` whose data is `{"reason", "detail"}` (a credential that stopped being valid, or
 * the daemon closing). Reads follow the socket: nothing more is taken while the client has
 * HIGH_WATER unsent bytes, and a client that has not drained them within `stallMs` is cut off
 * (it resumes with Last-Event-ID). Everything is released when the connection closes, whoever
 * closes it.
 */
export function streamTail(reply: FastifyReply, sub: TailSubscription, opts: SseOptions): void {
  reply.hijack()
  const res = reply.raw
  const headers: Record<string, string | number | string[]> = {}
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  })
  res.write(': connected\n\n')

  let closed = false
  let waitingDrain = false
  /** A step is under way (reading from storage is asynchronous): no second one starts. */
  let stepping = false
  /** A wake came during a step: looked at again once it is done. */
  let wokenMeanwhile = false
  let scheduled: NodeJS.Timeout | NodeJS.Immediate | undefined
  let lastRead = 0
  let readCost = 0
  let pending: TailFrame[] = []
  let stall: NodeJS.Timeout | undefined

  const heartbeat = setInterval(() => {
    if (!waitingDrain) res.write(': heartbeat\n\n')
  }, opts.heartbeatMs)
  heartbeat.unref()

  const cleanup = () => {
    if (closed) return
    closed = true
    clearInterval(heartbeat)
    if (stall) clearTimeout(stall)
    if (scheduled) {
      clearTimeout(scheduled as NodeJS.Timeout)
      clearImmediate(scheduled as NodeJS.Immediate)
    }
    pending = []
    sub.close()
  }

  let gone = false
  // Ends the stream: its last bytes and a clean end reach a client that reads again soon; one
  // that does not is reset, which frees the kernel's buffers too (a plain close would keep
  // retrying to send them).
  const end = (why?: TailEnd) => {
    if (closed) return
    cleanup()
    res.end(why ? `event: end\ndata: ${JSON.stringify(why)}\n\n` : undefined)
    setTimeout(() => {
      if (gone) return
      const socket = res.socket
      if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
      else res.destroy()
    }, END_GRACE_MS).unref()
  }
  sub.onEnd = end
  res.on('close', () => {
    gone = true
    cleanup()
  })
  res.on('error', cleanup)

  const waitForDrain = () => {
    waitingDrain = true
    stall = setTimeout(() => end(), opts.stallMs)
    res.once('drain', () => {
      waitingDrain = false
      if (stall) clearTimeout(stall)
      stall = undefined
      // Later, not now: a socket may drain before the step that filled it has ended.
      scheduled ??= setImmediate(pump)
    })
  }

  // Reads and writes until the client is caught up or its buffer is full.
  const pump = () => {
    scheduled = undefined
    if (closed || waitingDrain || stepping) return
    stepping = true
    const started = performance.now()
    void step()
      .catch(() => end())
      .finally(() => {
        stepping = false
        sub.spent(performance.now() - started)
        if (wokenMeanwhile) {
          wokenMeanwhile = false
          wake()
        }
      })
  }

  const step = async () => {
    lastRead = Date.now()
    let more = false
    if (pending.length === 0) {
      const started = performance.now()
      const next = await sub.next(BATCH)
      readCost = performance.now() - started
      if (closed) return
      more = next.more
      pending = next.events
    } else {
      more = true
    }
    // One write for as many events as fit under HIGH_WATER: a write per event costs a chunk
    // header and a call each, times every tail.
    let text = ''
    let taken = 0
    const room = HIGH_WATER - res.writableLength
    while (taken < pending.length && text.length < room) {
      const e = pending[taken++]!
      text += `id: ${e.id}\ndata: ${e.data}\n\n`
    }
    pending = taken === pending.length ? [] : pending.slice(taken)
    if (text.length > 0) res.write(text)
    if (res.writableLength >= HIGH_WATER) {
      waitForDrain()
      return
    }
    if (pending.length > 0 || (more && sub.ready)) scheduled = setImmediate(pump)
    else if (more) scheduled = setTimeout(pump, sub.waitMs)
  }

  const wake = () => {
    if (stepping) {
      wokenMeanwhile = true
      return
    }
    if (closed || waitingDrain || scheduled) return
    if (sub.ready) {
      scheduled = setImmediate(pump)
      return
    }
    const interval = Math.max(MIN_READ_INTERVAL_MS, READ_PACING * readCost)
    scheduled = setTimeout(pump, Math.max(0, lastRead + interval - Date.now(), sub.waitMs))
  }
  sub.onWake(wake)
  pump()
}
