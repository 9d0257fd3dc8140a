import { zoneOffsetMs } from '../../shared/time.js'

/**
 * The time zone of times written without one (`--timezone`): the machine's local zone by
 * default, `UTC`, a fixed offset (`+02:00`), or an IANA name (`Europe/Paris`, through Intl).
 */
export interface Zone {
  readonly name: string
  /** Epoch ms of a wall-clock time in this zone (month 1-12). */
  toEpoch(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number
}

const HOUR = 3_600_000

/** A zone from `--timezone`; throws a RangeError naming the value when it is not one. */
export function makeZone(name?: string): Zone {
  if (name === undefined || name === '' || name.toLowerCase() === 'local') return new CachedZone('local', localOffset)
  const upper = name.toUpperCase()
  if (upper === 'UTC' || upper === 'Z' || upper === 'GMT') return fixedZone('UTC', 0)
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(name)
  if (m) {
    const minutes = (Number(m[2]) * 60 + Number(m[3])) * (m[1] === '-' ? -1 : 1)
    if (Math.abs(minutes) > 18 * 60) throw new RangeError(`--timezone ${name}: an offset is at most ±18:00`)
    return fixedZone(name, minutes * 60_000)
  }
  try {
    zoneOffsetMs(0, name) // Intl refuses a zone it does not know
  } catch {
    throw new RangeError(`--timezone ${name}: not a time zone (use local, UTC, an offset such as +02:00, or an IANA name such as Europe/Paris)`)
  }
  return new CachedZone(name, ianaOffset(name))
}

function fixedZone(name: string, offsetMs: number): Zone {
  return {
    name,
    toEpoch: (y, mo, d, h, mi, s, ms) => Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMs,
  }
}

/**
 * A zone whose offset is looked up once per wall-clock hour (it only changes at transitions,
 * which fall on whole hours or half hours): a line costs a `Date.UTC` and a map lookup.
 */
class CachedZone implements Zone {
  private readonly offsets = new Map<number, number>()
  /** Logs come in order: most lines fall in the hour of the one before. */
  private lastHour = Number.NaN
  private lastOffset = 0

  constructor(
    readonly name: string,
    /** The offset (zone minus UTC, ms) in force at a wall-clock time given as if it were UTC. */
    private readonly offsetAtWall: (wallMs: number) => number,
  ) {}

  toEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
    const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms)
    const hour = Math.floor(wall / HOUR)
    if (hour === this.lastHour) return wall - this.lastOffset
    let offset = this.offsets.get(hour)
    if (offset === undefined) {
      offset = this.offsetAtWall(hour * HOUR)
      if (this.offsets.size > 10_000) this.offsets.clear()
      this.offsets.set(hour, offset)
    }
    this.lastHour = hour
    this.lastOffset = offset
    return wall - offset
  }
}

function localOffset(wall: number): number {
  const w = new Date(wall)
  const local = new Date(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes())
  return wall - local.getTime()
}

/** The offset of an IANA zone at a wall-clock time: found from the offset at a nearby instant. */
function ianaOffset(timeZone: string): (wall: number) => number {
  const offsetAt = (epoch: number): number => zoneOffsetMs(epoch, timeZone)
  return (wall) => {
    // Two rounds settle it, also across a transition.
    const first = offsetAt(wall)
    const second = offsetAt(wall - first)
    return second
  }
}
