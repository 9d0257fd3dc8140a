import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LogSink } from '../../src/daemon/log-sink.js'
import { waitFor } from '../helpers/daemon.js'
import { testTempDir } from '../helpers/tmp.js'

// #24 item 8: the daemon's log sink owns daemon.log and rotates it by size, keeping a few.

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** `n` JSON lines of about 100 bytes, numbered from `from`. */
const lines = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `${JSON.stringify({ level: 30, time: 1, seq: from + i, msg: 'x'.repeat(60) })}\n`)

describe('LogSink rotation', () => {
  it('rotates past the size into .1 … .keep, whole lines only, the newest in daemon.log, nothing lost in between', async () => {
    const dir = testTempDir('ledger-sink-')
    dirs.push(dir)
    const path = join(dir, 'daemon.log')
    const sink = LogSink.toFile({ path, maxBytes: 1000, keep: 3 })
    const written = lines(0, 60)
    // One at a time, then a burst (one write: rotated before it, never cut).
    for (const l of written.slice(0, 50)) {
      sink.write(l)
      await waitFor(() => readAll(path).includes(l), 5000, 'the line written')
    }
    for (const l of written.slice(50)) sink.write(l)
    await waitFor(() => readAll(path).endsWith(written.at(-1)!), 5000, 'the last line written')

    expect(existsSync(`${path}.1`)).toBe(true)
    expect(existsSync(`${path}.3`)).toBe(true)
    expect(existsSync(`${path}.4`)).toBe(false)
    for (const f of [path, `${path}.1`, `${path}.2`, `${path}.3`]) {
      const text = readFileSync(f, 'utf8')
      expect(text.endsWith('\n'), f).toBe(true)
      expect(statSync(f).mode & 0o777, f).toBe(0o600)
      expect(text.length, f).toBeLessThanOrEqual(1000)
    }
    // Oldest to newest, the files hold a run of the last lines written, in order, without a gap.
    const seqs = readAll(path)
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { seq: number }).seq)
    expect(seqs.at(-1)).toBe(59)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i))
    // Four files of ten ~96-byte lines (at most 1000 bytes): the 20 oldest lines were let go.
    expect(seqs).toHaveLength(40)
    expect(sink.status.last_error).toBeNull()
  })

  it('a file below the limit is never rotated', async () => {
    const dir = testTempDir('ledger-sink-')
    dirs.push(dir)
    const path = join(dir, 'daemon.log')
    const sink = LogSink.toFile({ path, maxBytes: 100_000, keep: 3 })
    for (const l of lines(0, 50)) sink.write(l)
    await waitFor(() => readFileSync(path, 'utf8').includes('"seq":49'), 5000, 'the lines written')
    expect(existsSync(`${path}.1`)).toBe(false)
  })
})

/** The rotated files, oldest first, then daemon.log: the whole log as one text. */
function readAll(path: string): string {
  let text = ''
  for (let i = 10; i >= 1; i--) if (existsSync(`${path}.${i}`)) text += readFileSync(`${path}.${i}`, 'utf8')
  return text + (existsSync(path) ? readFileSync(path, 'utf8') : '')
}
