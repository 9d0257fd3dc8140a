import { expect } from 'vitest'
import type { RawResponse } from '../../src/client/index.js'

/** A stack frame (`at fn (/path/file.ts:12:3)`) or a source path: never in an answer. */
export const STACK_TRACE = /\bat\s+\S*\s*\(?(\/|[A-Za-z]:\\|file:|node:)|\.(ts|js|mjs|cjs):\d+|node_modules|\/work\//

/**
 * Asserts an error answer: its status, exactly the `{"detail": string}` shape (plus an optional
 * string `code`), no stack trace or file path, and the words (or patterns) the detail contains.
 */
export function expectError(res: RawResponse, status: number, ...words: Array<string | RegExp>): string {
  expect(res.status, JSON.stringify(res.body)).toBe(status)
  expect(res.headers['content-type']).toContain('application/json')
  const body = res.body as Record<string, unknown>
  expect(body !== null && typeof body === 'object' && !Array.isArray(body), String(res.body)).toBe(true)
  for (const k of Object.keys(body)) expect(['detail', 'code'], `unexpected field ${k}`).toContain(k)
  expect(typeof body['detail']).toBe('string')
  if ('code' in body) expect(typeof body['code']).toBe('string')
  const detail = body['detail'] as string
  expect(detail.length).toBeGreaterThan(0)
  expect(JSON.stringify(body)).not.toMatch(STACK_TRACE)
  for (const w of words) {
    if (typeof w === 'string') expect(detail.toLowerCase()).toContain(w.toLowerCase())
    else expect(detail).toMatch(w)
  }
  return detail
}
