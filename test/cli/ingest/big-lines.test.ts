import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { LineSplitter, MAX_LINE_CHARS, makeDecoding } from '../../../src/cli/ingest/line-splitter.js'
import { LineMapper } from '../../../src/cli/ingest/map-line.js'
import { IngestPipeline } from '../../../src/cli/ingest/pipeline.js'
import { Shipper } from '../../../src/cli/ingest/shipper.js'
import { TRUNCATION_MARKER } from '../../../src/cli/ingest/truncate.js'
import type { BytesTransport } from '../../../src/client/bytes-transport.js'
import { LOG_LIMITS, type LogInput, validateLog } from '../../../src/contract/ingest.js'

// Big lines keep their structure (a JSON line is parsed whole up to 10 MiB, the daemon's body
// limit, then cut field by field), `truncated` counts logs, and --encoding.

const READ_AT = Date.parse('2026-03-04T05:06:07.890Z')

/** Runs the real pipeline over `input`, with a transport that takes every batch (202). */
async function ingest(input: Buffer | string, options: { encoding?: string } = {}) {
  const logs: LogInput[] = []
  const transport: BytesTransport = {
    baseUrl: 'http://127.0.0.1:1',
    close: async () => {},
    async request(method, _path, body) {
      if (method === 'POST' && body) {
        const batch = (JSON.parse(body.toString('utf8')) as { logs: LogInput[] }).logs
        logs.push(...batch)
        return { status: 202, headers: {}, body: { accepted: batch.length, rejected: 0, errors: null } }
      }
      return { status: 200, headers: {}, body: {} }
    },
  }
  const source = new PassThrough()
  const pipeline = new IngestPipeline({
    sources: [{ name: 'stdin', open: () => source }],
    mapper: new LineMapper(),
    shipper: new Shipper({ transport }),
    encoding: options.encoding,
  })
  const done = pipeline.run()
  source.end(input)
  const result = await done
  for (const log of logs) expect(validateLog(log).ok).toBe(true)
  return { logs, result }
}

describe('big lines', () => {
  test('a 5 MB JSON line with "level":"error" is parsed whole: an error, its fields cut to the limits', () => {
    const mapper = new LineMapper()
    const line = JSON.stringify({ level: 'error', msg: 'm'.repeat(5_000_000), user: 'u'.repeat(200_000), time: '2025-10-17T10:00:00Z' })
    const log = mapper.toLog(line, READ_AT)!
    expect(validateLog(log).ok).toBe(true)
    expect(log).toMatchObject({ level: 'error', timestamp: '2025-10-17T10:00:00Z', log_type: 'logger' })
    expect(log.message).toHaveLength(LOG_LIMITS.message)
    expect(log.message!.endsWith(TRUNCATION_MARKER)).toBe(true)
    expect(Buffer.byteLength(JSON.stringify(log.attributes))).toBeLessThanOrEqual(LOG_LIMITS.attributesBytes)
    expect(mapper.lastTruncated).toBe(true)
  })

  test('past 10 MiB a line is kept as cut text, its level (and time) still read, also from its end', async () => {
    const head = JSON.stringify({ msg: 'x'.repeat(MAX_LINE_CHARS + 1000), level: 'error', time: '2025-10-17T10:00:00Z' })
    const { logs, result } = await ingest(`${head}\n{"level":"warn","msg":"small"}\n`)
    expect(logs).toHaveLength(2)
    expect(logs[0]).toMatchObject({ level: 'error', timestamp: '2025-10-17T10:00:00.000Z', importance: 'high' })
    expect(logs[0]!.message!.startsWith('{"msg":"xxx')).toBe(true)
    expect(logs[0]!.message!.endsWith(TRUNCATION_MARKER)).toBe(true)
    expect(logs[1]).toMatchObject({ level: 'warning', message: 'small' })
    expect(result).toMatchObject({ lines: 2, truncated: 1 })
  })

  test('`truncated` counts logs, not fields: a line with three cut fields counts once', async () => {
    const many = JSON.stringify({ msg: 'a'.repeat(20_000), stack_trace: 'b'.repeat(60_000), error_message: 'c'.repeat(6000) })
    const { result } = await ingest(`${many}\nshort\n${'long '.repeat(3000)}\n`)
    expect(result).toMatchObject({ lines: 3, truncated: 2 })
  })
})

describe('--encoding', () => {
  const split = (chunks: Buffer[], encoding: string) => {
    const s = new LineSplitter(MAX_LINE_CHARS, makeDecoding(encoding))
    const out: string[] = []
    for (const c of chunks) s.push(c, (l) => out.push(l))
    s.end((l) => out.push(l))
    return out
  }

  test('latin1: every byte is a character', () => {
    expect(split([Buffer.from('café crème\nnaïve\n', 'latin1')], 'latin1')).toEqual(['café crème', 'naïve'])
  })

  test('utf-16le with a byte order mark, a code unit split across chunks', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo 😀\nwörld\n', 'utf16le')])
    expect(split([bytes.subarray(0, 5), bytes.subarray(5, 17), bytes.subarray(17)], 'utf-16le')).toEqual(['héllo 😀', 'wörld'])
  })

  test('utf-16be', () => {
    const le = Buffer.from('ERROR über\r\nok\n', 'utf16le')
    const be = Buffer.from(le)
    be.swap16()
    expect(split([be.subarray(0, 3), be.subarray(3)], 'utf-16be')).toEqual(['ERROR über', 'ok'])
  })

  test('through the pipeline: a latin1 file is stored as the text it is', async () => {
    const { logs } = await ingest(Buffer.from('ERROR Überlauf im Zähler\n', 'latin1'), { encoding: 'latin1' })
    expect(logs[0]).toMatchObject({ level: 'error', message: 'ERROR Überlauf im Zähler' })
    // Read as UTF-8, the same bytes are not that text.
    const { logs: wrong } = await ingest(Buffer.from('ERROR Überlauf im Zähler\n', 'latin1'))
    expect(wrong[0]!.message).not.toBe('ERROR Überlauf im Zähler')
  })

  test('an unknown encoding is refused with a clear message', () => {
    expect(() => makeDecoding('klingon-8')).toThrow('--encoding klingon-8: not an encoding this Node.js knows')
  })
})
