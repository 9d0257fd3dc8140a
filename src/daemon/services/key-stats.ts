import type { Database } from 'better-sqlite3'
import { RECENT_WINDOW_SECONDS } from '../../contract/stats.js'
import { appendKeyUsage, flushKeyCounters, type KeyCounters, USAGE_HISTORY, type UsageRow } from '../storage/sqlite/api-keys.js'
import { RollingCounter } from './rolling-counter.js'

interface MinuteCount {
  keyId: number
  minute: number
  allowed: number
  throttled: number
}

/**
 * Per-key usage and rate-limit metrics, counted in memory on the hot path (a few map updates
 * per request) and written to SQLite every few seconds. Reads add what is not flushed yet, so
 * a request made a moment ago is already counted.
 */
export class KeyStats {
  private counters = new Map<number, KeyCounters>()
  private usage = new Map<number, UsageRow[]>()
  private minutes = new Map<string, MinuteCount>()
  /** Requests and throttled requests per key and second, over the last 5 minutes (ledger top). */
  private readonly recent = new RollingCounter(RECENT_WINDOW_SECONDS + 1, 2)
  private timer: NodeJS.Timeout | undefined
  /** A periodic flush is writing the keys' calls, one key per turn of the event loop. */
  private writingUsage = false

  constructor(
    private readonly db: Database,
    private readonly log: { error: (obj: unknown, msg: string) => void },
    private readonly intervalMs = 5000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.flushInSteps(), this.intervalMs)
    this.timer.unref()
  }

  /** Stops the timer and writes what is left. */
  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.flush()
  }

  /** A rate-limit decision for a key (allowed or throttled). */
  recordDecision(keyId: number, now: number, allowed: boolean): void {
    const minute = Math.floor(now / 60_000)
    const k = `${keyId}:${minute}`
    let m = this.minutes.get(k)
    if (!m) {
      m = { keyId, minute, allowed: 0, throttled: 0 }
      this.minutes.set(k, m)
    }
    if (allowed) m.allowed++
    else m.throttled++
    this.recent.add(keyId, now, allowed ? [1, 0] : [1, 1])
  }

  /** A key's requests in the last 60 s and throttled requests in the last 5 minutes. */
  recentActivity(keyId: number, now: number): { requestsPerMinute: number; throttled5m: number } {
    const sec = Math.floor(now / 1000)
    return {
      requestsPerMinute: this.recent.sum(keyId, sec - 59, sec, 0),
      throttled5m: this.recent.sum(keyId, sec - RECENT_WINDOW_SECONDS + 1, sec, 1),
    }
  }

  /** Releases the recent counts of keys idle for the whole window. */
  pruneRecent(now: number): void {
    this.recent.prune(now)
  }

  /** A call made with a key, after its response. */
  recordCall(keyId: number, call: Omit<UsageRow, 'key_id'>): void {
    let c = this.counters.get(keyId)
    if (!c) {
      c = { keyId, calls: 0, successes: 0, responseMs: 0, lastUsed: 0 }
      this.counters.set(keyId, c)
    }
    c.calls++
    if (call.status_code < 400) c.successes++
    c.responseMs += call.response_time * 1000
    c.lastUsed = Math.max(c.lastUsed, call.created_at)
    let list = this.usage.get(keyId)
    if (!list) {
      list = []
      this.usage.set(keyId, list)
    }
    list.push({ key_id: keyId, ...call })
    if (list.length > USAGE_HISTORY) list.shift()
  }

  pendingCounters(keyId: number): KeyCounters | undefined {
    return this.counters.get(keyId)
  }

  /** Unflushed calls of a key, newest first. */
  pendingUsage(keyId: number): UsageRow[] {
    return [...(this.usage.get(keyId) ?? [])].reverse()
  }

  /** Unflushed per-minute counts of a key in [fromMinute, toMinute). */
  pendingMinutes(keyId: number, fromMinute: number, toMinute: number): MinuteCount[] {
    const out: MinuteCount[] = []
    for (const m of this.minutes.values()) {
      if (m.keyId === keyId && m.minute >= fromMinute && m.minute < toMinute) out.push(m)
    }
    return out
  }

  /** Writes everything gathered so far, now (at shutdown; tests). */
  flush(): void {
    if (!this.writeCounters()) return
    while (this.usage.size > 0) if (!this.writeUsageOfOneKey()) return
  }

  /**
   * The periodic flush. The counters and metrics (a row per key, a row per key and minute) go in
   * one transaction; the calls (up to USAGE_HISTORY per key: 5000 rows for 50 busy keys) one
   * key per transaction, with a turn of the event loop between two keys, so that no request
   * waits behind one long write (a single transaction took tens of ms under load).
   */
  flushInSteps(): void {
    if (this.writingUsage || !this.writeCounters()) return
    this.writingUsage = true
    const next = () => {
      if (this.usage.size > 0 && this.writeUsageOfOneKey()) setImmediate(next)
      else this.writingUsage = false
    }
    next()
  }

  /** False when the database refused: everything stays in memory for the next flush. */
  private writeCounters(): boolean {
    if (this.counters.size === 0 && this.minutes.size === 0) return true
    try {
      flushKeyCounters(this.db, [...this.counters.values()], [...this.minutes.values()])
      this.counters = new Map()
      this.minutes = new Map()
      return true
    } catch (err) {
      this.log.error({ err }, 'could not write key statistics')
      return false
    }
  }

  private writeUsageOfOneKey(): boolean {
    const first = this.usage.entries().next()
    if (first.done) return true
    const [keyId, rows] = first.value
    try {
      appendKeyUsage(this.db, keyId, rows)
      // Calls made while this key waited for its turn were pushed onto `rows`: all written.
      this.usage.delete(keyId)
      return true
    } catch (err) {
      this.log.error({ err }, 'could not write key usage')
      return false
    }
  }
}
