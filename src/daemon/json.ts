import sjson from 'secure-json-parse'

/**
 * Parses a JSON request body, refusing prototype poisoning (`__proto__`,
 * `constructor.prototype`), with a message that says which problem it was.
 */
export function parseJsonBody(text: string): { ok: true; value: unknown } | { ok: false; detail: string } {
  if (text.trim().length === 0)
    return { ok: false, detail: 'Request body is empty; expected a JSON document' }
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
