interface Ring {
  /** The latest second (epoch s) written; slots hold (last - size, last]. */
  last: number
  /** `fields` counters per slot, slot = second % size. */
  data: Float64Array
}

/**
 * Per-second counters over a sliding window, per id (a project, a key), in memory: O(1) to add
 * on the hot path, O(window) to read. Each id holds `size` slots of `fields` counters; a slot
 * is reused for a later second once its own has left the window.
 */
export class RollingCounter {
  private readonly rings = new Map<number, Ring>()

  constructor(
    /** Seconds kept (the current, partial second included). */
    readonly size: number,
    readonly fields: number,
  ) {}

  /** Adds `values` (one per field) to the second of `nowMs`. */
  add(id: number, nowMs: number, values: readonly number[]): void {
    const sec = Math.floor(nowMs / 1000)
    let r = this.rings.get(id)
    if (!r) {
      r = { last: sec, data: new Float64Array(this.size * this.fields) }
      this.rings.set(id, r)
    } else if (sec > r.last) {
      this.clear(r, r.last + 1, sec)
      r.last = sec
    } else if (sec <= r.last - this.size) {
      return // older than the window (a clock step back): nothing to count it in
    }
    const base = (sec % this.size) * this.fields
    for (let f = 0; f < this.fields; f++) r.data[base + f]! += values[f] ?? 0
  }

  /** The count of `field` in the second `sec` (0 outside the window). */
  private at(r: Ring, sec: number, field: number): number {
    if (sec > r.last || sec <= r.last - this.size) return 0
    return r.data[(sec % this.size) * this.fields + field]!
  }

  /** Sum of `field` over seconds [fromSec, toSec]. */
  sum(id: number, fromSec: number, toSec: number, field: number): number {
    const r = this.rings.get(id)
    if (!r) return 0
    let n = 0
    for (let s = Math.max(fromSec, r.last - this.size + 1); s <= Math.min(toSec, r.last); s++) n += this.at(r, s, field)
    return n
  }

  /** `field` per second over [fromSec, toSec], oldest first. */
  series(id: number, fromSec: number, toSec: number, field: number): number[] {
    const r = this.rings.get(id)
    const out = new Array<number>(Math.max(0, toSec - fromSec + 1)).fill(0)
    if (!r) return out
    for (let s = fromSec; s <= toSec; s++) out[s - fromSec] = this.at(r, s, field)
    return out
  }

  /** Drops ids that counted nothing within the window (their memory is released). */
  prune(nowMs: number): void {
    const sec = Math.floor(nowMs / 1000)
    for (const [id, r] of this.rings) if (r.last <= sec - this.size) this.rings.delete(id)
  }

  /** Ids with counts in memory. */
  ids(): number {
    return this.rings.size
  }

  private clear(r: Ring, fromSec: number, toSec: number): void {
    if (toSec - fromSec + 1 >= this.size) {
      r.data.fill(0)
      return
    }
    for (let s = fromSec; s <= toSec; s++) r.data.fill(0, (s % this.size) * this.fields, (s % this.size + 1) * this.fields)
  }
}
