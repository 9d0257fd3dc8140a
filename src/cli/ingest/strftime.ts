import { type TimeContext, type TimeMatch, wallToEpoch } from './line-time.js'

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const MONTH_NAMES = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)'
const DAY_NAMES = '(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*'

/** What each directive matches, and the field it fills. */
const DIRECTIVES: Record<string, { re: string; field?: string }> = {
  Y: { re: '(\\d{4})', field: 'Y' },
  y: { re: '(\\d{2})', field: 'y' },
  m: { re: '(\\d{1,2})', field: 'm' },
  d: { re: '(\\d{1,2})', field: 'd' },
  e: { re: ' ?(\\d{1,2})', field: 'd' },
  H: { re: '(\\d{1,2})', field: 'H' },
  k: { re: ' ?(\\d{1,2})', field: 'H' },
  I: { re: '(\\d{1,2})', field: 'I' },
  l: { re: ' ?(\\d{1,2})', field: 'I' },
  M: { re: '(\\d{2})', field: 'M' },
  S: { re: '(\\d{2})', field: 'S' },
  f: { re: '(\\d{1,9})', field: 'f' },
  L: { re: '(\\d{3})', field: 'f' },
  p: { re: '([AaPp][Mm])', field: 'p' },
  b: { re: `(${MONTH_NAMES})`, field: 'b' },
  h: { re: `(${MONTH_NAMES})`, field: 'b' },
  B: { re: `(${MONTH_NAMES})`, field: 'b' },
  a: { re: DAY_NAMES },
  A: { re: DAY_NAMES },
  z: { re: '(Z|[+-]\\d{2}(?::?\\d{2})?)', field: 'z' },
  Z: { re: '([A-Za-z]{1,5})', field: 'Z' },
  s: { re: '(\\d{1,12}(?:\\.\\d{1,9})?)', field: 's' },
  j: { re: '\\d{3}' },
  '%': { re: '%' },
  n: { re: '\\s+' },
  t: { re: '\\s+' },
}
/** Directives that stand for others. */
const SHORTHANDS: Record<string, string> = { T: '%H:%M:%S', F: '%Y-%m-%d', D: '%m/%d/%y', R: '%H:%M', r: '%I:%M:%S %p' }

/**
 * `--timestamp-format`: a strftime-style pattern (`%Y-%m-%d %H:%M:%S`, `%d/%b/%Y:%H:%M:%S %z`,
 * `%s`, …), compiled once into a regular expression. `%f` is a fraction of 1 to 9 digits
 * (`%L` exactly 3), `%z` `Z` or `±hh[:mm]`, `%Z` `UTC`/`GMT`/`Z` (other names are read, not
 * used), `%s` epoch seconds; a space matches one or more spaces. A missing year is inferred as
 * for syslog, a missing zone is `--timezone`'s.
 */
export class TimestampFormat {
  private readonly re: RegExp
  private readonly fields: string[] = []

  constructor(readonly pattern: string) {
    let expanded = pattern
    for (const [k, v] of Object.entries(SHORTHANDS)) expanded = expanded.split(`%${k}`).join(v)
    let source = ''
    for (let i = 0; i < expanded.length; i++) {
      const ch = expanded[i]!
      if (ch !== '%') {
        source += ch === ' ' ? ' +' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
        continue
      }
      const k = expanded[++i]
      const d = k === undefined ? undefined : DIRECTIVES[k]
      if (!d) throw new RangeError(`--timestamp-format ${pattern}: unknown directive %${k ?? ''}`)
      source += d.re
      if (d.field) this.fields.push(d.field)
    }
    if (!this.fields.includes('s') && !(this.fields.includes('H') || this.fields.includes('I')))
      throw new RangeError(`--timestamp-format ${pattern}: needs an hour (%H or %I) or epoch seconds (%s)`)
    this.re = new RegExp(source, 'i')
  }

  /** The first match in the line's first 256 characters (or in the whole of a JSON value). */
  find(text: string, ctx: TimeContext): TimeMatch | null {
    const head = text.length > 256 ? text.slice(0, 256) : text
    const m = this.re.exec(head)
    if (!m) return null
    const ms = this.toEpoch(m, ctx)
    return ms === null ? null : { ms, start: m.index, end: m.index + m[0].length }
  }

  private toEpoch(m: RegExpExecArray, ctx: TimeContext): number | null {
    const v: Record<string, string> = {}
    this.fields.forEach((f, i) => {
      v[f] = m[i + 1]!
    })
    if (v['s'] !== undefined) return Math.floor(Number(v['s']) * 1000)
    let y = v['Y'] !== undefined ? Number(v['Y']) : 0
    if (v['y'] !== undefined) {
      const yy = Number(v['y'])
      y = yy < 69 ? 2000 + yy : 1900 + yy
    }
    let mo = v['m'] !== undefined ? Number(v['m']) : 0
    if (v['b'] !== undefined) mo = MONTHS.indexOf(v['b'].slice(0, 3).toLowerCase()) + 1
    let d = v['d'] !== undefined ? Number(v['d']) : 0
    let h = Number(v['H'] ?? v['I'] ?? 0)
    if (v['I'] !== undefined && v['p'] !== undefined) h = (h % 12) + (v['p'].toLowerCase() === 'pm' ? 12 : 0)
    const mi = Number(v['M'] ?? 0)
    const s = Number(v['S'] ?? 0)
    const ms = v['f'] !== undefined ? Math.floor(Number(`0.${v['f']}`) * 1000) : 0
    if (mo === 0 && d === 0) {
      // A time of day alone: the day it was read, in the zone.
      const read = new Date(ctx.readAt)
      y = read.getUTCFullYear()
      mo = read.getUTCMonth() + 1
      d = read.getUTCDate()
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null
    let offset: number | null = null
    if (v['z'] !== undefined) {
      const z = v['z']
      if (z === 'Z' || z === 'z') offset = 0
      else {
        const digits = z.slice(1).replace(':', '')
        offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * (z[0] === '-' ? -1 : 1)
      }
    } else if (v['Z'] !== undefined && /^(utc|gmt|z)$/i.test(v['Z'])) offset = 0
    const epoch = wallToEpoch({ y, mo, d, h, mi, s, ms, offset }, ctx)
    return Number.isFinite(epoch) ? epoch : null
  }
}
