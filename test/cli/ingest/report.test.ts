import { describe, expect, test } from 'vitest'
import { formatSummary, type IngestSummary } from '../../../src/cli/ingest/report.js'

const summary = (lines: number): IngestSummary => ({
  lines_read: lines,
  blank_lines: 0,
  accepted: lines,
  rejected: 0,
  undelivered: 0,
  truncated: 0,
  batches: 1,
  requests: 1,
  retries: 0,
  replayed_batches: 0,
  seconds: 0.1,
  lines_per_second: lines * 10,
  max_rss_bytes: 0,
  interrupted: false,
  exit_code: 0,
})

describe('formatSummary', () => {
  test('says "1 line", "2 lines" (#24)', () => {
    expect(formatSummary(summary(1))).toMatch(/^ingest: 1 line read, 1 accepted/)
    expect(formatSummary(summary(2))).toMatch(/^ingest: 2 lines read, 2 accepted/)
  })
})
