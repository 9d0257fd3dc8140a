// The column arrays of a group commit in PostgreSQL's binary format (what `array_send` writes
// and `array_recv` reads), sent as binary parameters: the server reads lengths instead of
// scanning text for quotes and escapes, and a search vector arrives as its lexemes and
// positions (`tsvectorrecv`) instead of text to parse and sort. Each array is written straight
// into one buffer: no string per value, no array literal to build.

/** Element type oids (pg_type). */
export const INT8 = 20
export const TEXT = 25
export const TSVECTOR = 3614

/**
 * A log's search vector: each lexeme with its positions, ascending, at most 256 (what
 * tsvector_in keeps of a text form). See `asciiSearchVector`.
 */
export type SearchLexemes = Map<string, number[]>

/** A one-dimensional array of `elementOid`, written element by element. */
export class BinaryArray {
  private buf: Buffer
  private off = 0
  private count = 0
  private readonly flagsAt: number
  private readonly countAt: number

  constructor(elementOid: number, bytesHint = 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(64, bytesHint))
    this.int32(1) // dimensions
    this.flagsAt = this.off
    this.int32(0) // has nulls (set by the first null)
    this.int32(elementOid)
    this.countAt = this.off
    this.int32(0) // elements (set by `done`)
    this.int32(1) // lower bound
  }

  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n))
    this.buf.copy(next, 0, 0, this.off)
    this.buf = next
  }

  private int32(v: number): void {
    this.ensure(4)
    this.buf.writeInt32BE(v, this.off)
    this.off += 4
  }

  null(): void {
    this.int32(-1)
    this.buf.writeInt32BE(1, this.flagsAt)
    this.count++
  }

  /** A bigint (an integer of JavaScript, so within ±2^53). */
  int8(v: number): void {
    this.ensure(12)
    const hi = Math.floor(v / 4_294_967_296)
    this.buf.writeInt32BE(8, this.off)
    this.buf.writeInt32BE(hi, this.off + 4)
    this.buf.writeUInt32BE(v - hi * 4_294_967_296, this.off + 8)
    this.off += 12
    this.count++
  }

  /** A text as UTF-8 (a lone surrogate as U+FFFD, as the text parameters are sent), or NULL. */
  text(s: string | null | undefined): void {
    if (s === null || s === undefined) return this.null()
    this.ensure(4 + s.length * 3)
    const n = this.buf.write(s, this.off + 4, 'utf8')
    this.buf.writeInt32BE(n, this.off)
    this.off += 4 + n
    this.count++
  }

  /** A tsvector (`tsvectorrecv`: lexemes ascending, each NUL-terminated, with its positions), or NULL. */
  tsvector(v: SearchLexemes | null): void {
    if (v === null) return this.null()
    const lexemes = [...v.keys()].sort()
    let size = 4
    for (const w of lexemes) size += w.length + 3 + 2 * v.get(w)!.length
    this.ensure(4 + size)
    const b = this.buf
    let o = this.off
    b.writeInt32BE(size, o)
    b.writeInt32BE(lexemes.length, o + 4)
    o += 8
    for (const w of lexemes) {
      // Lexemes are ASCII word characters (asciiSearchVector): one byte each, no NUL.
      for (let k = 0; k < w.length; k++) b[o++] = w.charCodeAt(k)
      b[o++] = 0
      const positions = v.get(w)!
      b.writeUInt16BE(positions.length, o)
      o += 2
      for (const p of positions) {
        b.writeUInt16BE(p, o)
        o += 2
      }
    }
    this.off = o
    this.count++
  }

  /** The array, ready to send (the writer is not to be used after). */
  done(): Buffer {
    this.buf.writeInt32BE(this.count, this.countAt)
    return this.buf.subarray(0, this.off)
  }
}

/** Where an array's elements start: after dimensions, flags, oid, count and lower bound. */
const ELEMENTS_AT = 20

/** One array of the elements of `arrays` (one-dimensional, of one element type), in order. */
export function concatArrays(arrays: readonly Buffer[]): Buffer {
  if (arrays.length === 1) return arrays[0]!
  let count = 0
  let nulls = 0
  for (const a of arrays) {
    count += a.readInt32BE(12)
    nulls |= a.readInt32BE(4)
  }
  const out = Buffer.concat([arrays[0]!.subarray(0, ELEMENTS_AT), ...arrays.map((a) => a.subarray(ELEMENTS_AT))])
  out.writeInt32BE(nulls, 4)
  out.writeInt32BE(count, 12)
  return out
}
