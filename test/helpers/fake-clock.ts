import type { Clock } from '../../src/cli/ingest/clock.js'

interface Timer {
  id: number
  at: number
  fn: () => void
}

/** Lets pending promise callbacks and I/O callbacks run (a few turns of the event loop, no sleep). */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r))
}

export interface FakeClockOptions {
  /** Told each time the clock moves (to move another clock along, e.g. a test daemon's). */
  onTime?: (now: number) => void
  /**
   * Real work still under way (requests in flight), awaited before the next timer fires: time
   * moves only once what was started at this time has been answered.
   */
  busy?: () => Promise<unknown> | null
}

/**
 * A clock whose time moves only when the test says: timers fire in order as it advances, with
 * the event loop turned in between, so waits of minutes take microseconds and are exact.
 */
export class FakeClock implements Clock {
  private t: number
  private nextId = 1
  private timers: Timer[] = []

  constructor(
    start = 1_700_000_000_000,
    private readonly options: FakeClockOptions = {},
  ) {
    this.t = start
  }

  now = (): number => this.t

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn }
    this.timers.push(timer)
    return timer.id
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle)
  }

  sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false)
      const onAbort = () => {
        this.clearTimeout(id)
        resolve(false)
      }
      const id = this.setTimeout(() => {
        signal.removeEventListener('abort', onAbort)
        resolve(true)
      }, ms)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms
    for (;;) {
      await this.idle()
      const next = this.earliest()
      if (!next || next.at > end) break
      this.fire(next)
    }
    this.moveTo(end)
    await this.idle()
  }

  /** Fires timers in order until `done()` holds; fails when no timer is left or past `limitMs`. */
  async runUntil(done: () => boolean, limitMs = 24 * 3600_000): Promise<void> {
    const limit = this.t + limitMs
    for (;;) {
      await this.idle()
      if (done()) return
      const next = this.earliest()
      if (!next) throw new Error('nothing left to wait for, and the condition does not hold')
      if (next.at > limit) throw new Error(`the condition did not hold within ${limitMs} ms`)
      this.fire(next)
    }
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t
    return best
  }

  private fire(timer: Timer): void {
    this.timers = this.timers.filter((t) => t !== timer)
    this.moveTo(Math.max(this.t, timer.at))
    timer.fn()
  }

  private moveTo(t: number): void {
    this.t = t
    this.options.onTime?.(t)
  }

  /** Lets the event loop turn until no real work the test tracks is under way. */
  private async idle(): Promise<void> {
    for (;;) {
      await settle()
      const busy = this.options.busy?.()
      if (!busy) return
      await busy
    }
  }
}
