import { RECENT_WINDOW_SECONDS } from '../../contract/stats.js'
import {
  type ApiKeyStore,
  type KeyCounters,
  type KeyMinuteCount as MinuteCount,
  USAGE_HISTORY,
  type UsageRecord as UsageRow,
} from '../storage/types.js'
import { RollingCounter } from './rolling-counter.js'

/**
 * Per-key usage and rate-limit metrics, counted in memory on the hot path (a few map updates
 * per request) and written to storage every few seconds. Reads add what is not flushed yet, so
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
  /**
   * What a write has taken out of the maps and storage does not hold yet: reads still count it
   * (once), until the write is done (then storage has it) or failed (then it goes back).
   */
  private readonly writing: {
    counters?: Map<number, KeyCounters>
    minutes?: Map<string, MinuteCount>
    usage?: { keyId: number; rows: UsageRow[] }
  } = {}

  constructor(
    private readonly store: ApiKeyStore,
    private readonly log: { error: (obj: unknown, msg: string) => void },
    private readonly intervalMs = 5000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.flushInSteps(), this.intervalMs)
    this.timer.unref()
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.flush()
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

  /** A key's counters not in storage yet (those being written included). */
  pendingCounters(keyId: number): KeyCounters | undefined {
    const a = this.counters.get(keyId)
    const b = this.writing.counters?.get(keyId)
    if (!a || !b) return a ?? b
    return {
      keyId,
      calls: a.calls + b.calls,
      successes: a.successes + b.successes,
      responseMs: a.responseMs + b.responseMs,
      lastUsed: Math.max(a.lastUsed, b.lastUsed),
    }
  }

  /** Calls of a key not in storage yet (those being written included), newest first. */
  pendingUsage(keyId: number): UsageRow[] {
    const writing = this.writing.usage?.keyId === keyId ? this.writing.usage.rows : []
    return [...writing, ...(this.usage.get(keyId) ?? [])].slice(-USAGE_HISTORY).reverse()
  }

  /** Per-minute counts of a key in [fromMinute, toMinute) not in storage yet (being written included). */
  pendingMinutes(keyId: number, fromMinute: number, toMinute: number): MinuteCount[] {
    const out: MinuteCount[] = []
    for (const map of [this.minutes, this.writing.minutes]) {
      for (const m of map?.values() ?? []) {
        if (m.keyId === keyId && m.minute >= fromMinute && m.minute < toMinute) out.push(m)
      }
    }
    return out
  }

  /** Writes everything gathered so far, now (at shutdown; tests). */
  async flush(): Promise<void> {
    if (!(await this.writeCounters())) return
    while (this.usage.size > 0) if (!(await this.writeUsageOfOneKey())) return
  }

  /**
   * The periodic flush. The counters and metrics (a row per key, a row per key and minute) go in
   * one transaction; the calls (up to USAGE_HISTORY per key: 5000 rows for 50 busy keys) one
   * key per transaction, with a turn of the event loop between two keys, so that no request
   * waits behind one long write (a single transaction took tens of ms under load).
   */
  async flushInSteps(): Promise<void> {
    if (this.writingUsage) return
    this.writingUsage = true
    try {
      if (!(await this.writeCounters())) return
      while (this.usage.size > 0 && (await this.writeUsageOfOneKey())) {
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
    } finally {
      this.writingUsage = false
    }
  }

  /** False when the database refused: everything stays in memory for the next flush. */
  private async writeCounters(): Promise<boolean> {
    if (this.counters.size === 0 && this.minutes.size === 0) return true
    // Taken out before the write: what comes in meanwhile is counted for the next flush.
    const counters = (this.writing.counters = this.counters)
    const minutes = (this.writing.minutes = this.minutes)
    this.counters = new Map()
    this.minutes = new Map()
    try {
      await this.store.addCounters([...counters.values()], [...minutes.values()])
      this.writing.counters = this.writing.minutes = undefined
      return true
    } catch (err) {
      this.writing.counters = this.writing.minutes = undefined
      // Kept for the next flush, added to what came in meanwhile.
      for (const [k, c] of counters) {
        const now = this.counters.get(k)
        if (now) {
          now.calls += c.calls
          now.successes += c.successes
          now.responseMs += c.responseMs
          now.lastUsed = Math.max(now.lastUsed, c.lastUsed)
        } else this.counters.set(k, c)
      }
      for (const [k, m] of minutes) {
        const now = this.minutes.get(k)
        if (now) {
          now.allowed += m.allowed
          now.throttled += m.throttled
        } else this.minutes.set(k, m)
      }
      this.log.error({ err }, 'could not write key statistics')
      return false
    }
  }

  private async writeUsageOfOneKey(): Promise<boolean> {
    const first = this.usage.entries().next()
    if (first.done) return true
    const [keyId, rows] = first.value
    // Taken out before the write: calls made meanwhile start a new list.
    this.usage.delete(keyId)
    this.writing.usage = { keyId, rows }
    try {
      await this.store.appendUsage(keyId, rows)
      this.writing.usage = undefined
      return true
    } catch (err) {
      this.writing.usage = undefined
      // Put back in front of what came in meanwhile, keeping the last USAGE_HISTORY.
      this.usage.set(keyId, [...rows, ...(this.usage.get(keyId) ?? [])].slice(-USAGE_HISTORY))
      this.log.error({ err }, 'could not write key usage')
      return false
    }
  }
}
