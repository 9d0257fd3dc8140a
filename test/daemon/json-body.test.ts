import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_DEPTH, parseJsonBody } from '../../src/daemon/ingest/json.js'

// parseJsonBody is every JSON body's first step (the API, ingest/batch, OTLP/JSON). Its fast
// paths (a quote-to-quote depth scan; plain JSON.parse when no poisoning key can be present)
// must decide exactly what the careful path decides.

/** Nesting depth of a parsed value: what the text scan must find. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf))
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf))
  return 0
}

/** Whether a parsed value holds a key the daemon refuses: `__proto__`, or `constructor.prototype`. */
function poisoned(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(poisoned)
  if (v === null || typeof v !== 'object') return false
  if (Object.hasOwn(v, '__proto__')) return true
  const ctor = (v as Record<string, unknown>)['constructor']
  if (Object.hasOwn(v, 'constructor') && ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return true
  return Object.values(v).some(poisoned)
}

describe('parseJsonBody', () => {
  it('accepts any JSON document within the depth limit and returns what JSON.parse returns, unless it holds a poisoning key', () => {
    // fast-check's JSON values include `__proto__` keys now and then: those are refused.
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
        const text = JSON.stringify(v)
        const value: unknown = JSON.parse(text)
        if (poisoned(value)) {
          expect(parseJsonBody(text)).toEqual({
            ok: false,
            detail: 'Request body must not contain "__proto__" or "constructor.prototype" keys',
          })
        } else {
          expect(parseJsonBody(text)).toEqual({ ok: true, value })
        }
      }),
      { numRuns: 500 },
    )
  })

  it('counts brackets outside strings only: quotes, escaped quotes and backslashes in strings do not fool it', () => {
    const tricky = fc.constantFrom('[', ']', '{', '}', '"', '\\', '\\"', '\\\\', '"]', '\\\\"', 'a')
    fc.assert(
      fc.property(fc.array(fc.string({ unit: tricky }), { maxLength: 5 }), fc.integer({ min: 1, max: 70 }), (strings, n) => {
        const v = strings.reduce<unknown>((acc, s) => ({ s, inner: acc }), Array.from({ length: n }).reduce<unknown>((a) => [a], []))
        const text = JSON.stringify(v)
        const r = parseJsonBody(text)
        if (depthOf(v) > MAX_DEPTH) expect(r).toEqual({ ok: false, detail: `Request body nests deeper than ${MAX_DEPTH} levels` })
        else expect(r).toEqual({ ok: true, value: v })
      }),
      { numRuns: 300 },
    )
  })

  it('refuses __proto__ and constructor.prototype keys, spelt plainly or with \\u escapes', () => {
    for (const text of [
      '{"__proto__": {"x": 1}}',
      '{"a": [{"__proto__": null}]}',
      '{"\\u005f_proto__": {"x": 1}}',
      '{"_\\u005fproto\\u005f_": 1}',
      '{"constructor": {"prototype": {"x": 1}}}',
      '{"\\u0063onstructor": {"prototype": {"x": 1}}}',
    ]) {
      const r = parseJsonBody(text)
      expect(r.ok, text).toBe(false)
      if (!r.ok) expect(r.detail).toMatch(/__proto__/)
    }
  })

  it('accepts the words themselves inside values, and escapes that spell nothing', () => {
    for (const text of [
      '{"message": "__proto__ is a key we refuse"}',
      '{"message": "constructor failed"}',
      '{"constructor": "a plain value"}',
      '{"message": "caf\\u00e9 \\ud83d\\ude00"}',
    ]) {
      expect(parseJsonBody(text), text).toEqual({ ok: true, value: JSON.parse(text) })
    }
  })

  it('reports malformed and empty bodies', () => {
    expect(parseJsonBody('')).toMatchObject({ ok: false, detail: expect.stringMatching(/empty/) })
    expect(parseJsonBody('{"a": "unterminated')).toMatchObject({ ok: false, detail: expect.stringMatching(/Malformed JSON/) })
    expect(parseJsonBody('{"a": 1,}')).toMatchObject({ ok: false, detail: expect.stringMatching(/Malformed JSON/) })
  })
})
