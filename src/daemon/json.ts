import sjson from 'secure-json-parse'

/** Deepest nesting a body may have (OTLP JSON nests about 10 deep). */
export const MAX_DEPTH = 64

/** How deep objects and arrays nest in a JSON text (brackets inside strings do not count). */
function nestingDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth
    } else if (c === 125 || c === 93) depth--
  }
  return max
}

/**
 * Parses a JSON request body, refusing prototype poisoning (`__proto__`,
 * `constructor.prototype`), with a message that says which problem it was.
 */
export function parseJsonBody(text: string): { ok: true; value: unknown } | { ok: false; detail: string } {
  if (text.trim().length === 0) return { ok: false, detail: 'Request body is empty; expected a JSON document' }
  if (nestingDepth(text) > MAX_DEPTH) return { ok: false, detail: `Request body nests deeper than ${MAX_DEPTH} levels` }
  try {
    return {
      ok: true,
      value: sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }),
    }
  } catch (err) {
    const message = (err as Error).message
    if (/prototype/i.test(message)) {
      return {
        ok: false,
        detail: 'Request body must not contain "__proto__" or "constructor.prototype" keys',
      }
    }
    return { ok: false, detail: `Malformed JSON body: ${message}` }
  }
}
