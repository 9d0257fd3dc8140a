/**
 * A batch body the daemon refuses as a whole fails every log in it, so no line may carry what
 * makes the daemon refuse a body: keys that look like prototype poisoning (`__proto__`, a
 * `constructor` object holding `prototype`) and nesting deeper than 64 levels. Such lines are
 * rare; these checks only run when a cheap look at the raw line says they could matter.
 */

/** How deep a line's own JSON may nest: the body adds `{"logs":[` and `attributes` adds one more. */
export const MAX_LINE_DEPTH = 60

/** Whether a raw JSON line needs `sanitize()`: it could hold a poisoned key or nest too deep. */
export function needsSanitizing(line: string): boolean {
  if (line.indexOf('proto') >= 0 || line.indexOf('\\u') >= 0) return true
  // Nesting deeper than the limit needs more opening brackets than the limit.
  let brackets = 0
  for (let i = line.indexOf('{'); i >= 0; i = line.indexOf('{', i + 1)) if (++brackets > MAX_LINE_DEPTH) return true
  for (let i = line.indexOf('['); i >= 0; i = line.indexOf('[', i + 1)) if (++brackets > MAX_LINE_DEPTH) return true
  return false
}

/** A key renamed so the daemon does not take it for prototype poisoning. */
export function safeKey(key: string): string {
  return key === '__proto__' ? '__proto___' : key
}

/**
 * A copy of a parsed JSON value the daemon will accept: `__proto__` keys renamed `__proto___`,
 * `prototype` inside a `constructor` object renamed `prototype_`, and values nested deeper than
 * `maxDepth` (counting the value itself as 1) replaced by their JSON text.
 */
export function sanitize(value: unknown, maxDepth: number = MAX_LINE_DEPTH): unknown {
  return walk(value, 1, maxDepth, false)
}

function walk(value: unknown, depth: number, maxDepth: number, inConstructor: boolean): unknown {
  if (value === null || typeof value !== 'object') return value
  if (depth > maxDepth) return JSON.stringify(value)
  if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, maxDepth, false))
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key]
    let name = safeKey(key)
    if (inConstructor && name === 'prototype') name = 'prototype_'
    Object.defineProperty(out, name, {
      value: walk(v, depth + 1, maxDepth, key === 'constructor'),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}
