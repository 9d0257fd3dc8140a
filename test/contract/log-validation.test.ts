import { describe, expect, it } from 'vitest'
import { LOG_LIMITS, LogInputSchema, parseLogFast, validateLog } from '../../src/contract/ingest.js'

// parseLogFast is the hand-written hot path of ingestion; LogInputSchema (zod) is the rule
// book and gives the error messages. They must agree on every input: this generates many
// valid and invalid logs and compares both verdicts and outputs.

const base = {
  timestamp: '2025-10-17T10:00:00Z',
  level: 'info',
  log_type: 'console',
  importance: 'standard',
  message: 'hello',
}

const mutations: Array<[string, unknown]> = [
  ['timestamp', undefined],
  ['timestamp', 42],
  ['timestamp', '2025-10-17'],
  ['timestamp', '2025-10-17T10:00:00'],
  ['timestamp', '2025-10-17T10:00:00+02:00'],
  ['timestamp', '2025-10-17T10:00:00.123456Z'],
  ['timestamp', '2025-13-40T10:00:00Z'],
  ['timestamp', 'yesterday'],
  ['level', 'warn'],
  ['level', 'ERROR'],
  ['level', 'critical'],
  ['level', null],
  ['log_type', 'exception'],
  ['log_type', 'trace'],
  ['importance', 'high'],
  ['importance', 'urgent'],
  ['message', null],
  ['message', undefined],
  ['message', 5],
  ['message', 'x'.repeat(LOG_LIMITS.message)],
  ['message', 'x'.repeat(LOG_LIMITS.message + 1)],
  ['error_message', 'x'.repeat(LOG_LIMITS.error_message + 1)],
  ['stack_trace', 'x'.repeat(LOG_LIMITS.stack_trace)],
  ['stack_trace', 'x'.repeat(LOG_LIMITS.stack_trace + 1)],
  ['error_type', 'E'.repeat(256)],
  ['environment', 'staging'],
  ['release', ['v1']],
  ['sdk_version', {}],
  ['platform', 'node'],
  ['platform_version', 'é'.repeat(255)],
  ['attributes', { a: 1, nested: { b: [1, 2] } }],
  ['attributes', []],
  ['attributes', 'str'],
  ['attributes', null],
  ['attributes', { big: 'x'.repeat(100 * 1024 - 20) }],
  ['attributes', { big: 'x'.repeat(100 * 1024) }],
  // Multi-byte characters: the limit is bytes of UTF-8, not characters.
  ['attributes', { big: 'é'.repeat(51_190) }],
  ['attributes', { big: 'é'.repeat(51_300) }],
  ['unknown_field', 'ignored'],
]

const inputs: unknown[] = [
  base,
  null,
  [],
  'log',
  42,
  {},
  ...mutations.map(([k, v]) => ({ ...base, [k]: v })),
  // Pairs of mutations, so interactions are covered too.
  ...mutations.flatMap(([k1, v1], i) =>
    mutations.filter((_, j) => j > i && j % 5 === i % 5).map(([k2, v2]) => ({ ...base, [k1]: v1, [k2]: v2 })),
  ),
]

describe('parseLogFast agrees with LogInputSchema', () => {
  it.each(inputs.map((input, i) => [i, input]))('input #%i gets the same verdict and value', (_i, input) => {
    const schema = LogInputSchema.safeParse(input)
    const fast = parseLogFast(input)
    expect(fast !== null).toBe(schema.success)
    if (schema.success) expect(fast).toEqual(schema.data)
  })

  it('explains a rejection with the schema message naming the field', () => {
    const r = validateLog({ ...base, level: 'loud' })
    expect(r).toEqual({ ok: false, detail: 'level must be one of debug, info, warning, error, critical' })
  })
})
