// Engine-neutral: the attribute values every engine's full-text index holds.

/**
 * The values of a log's attributes (as stored: JSON text) as words for the index, keys left out
 * (a search for `path` should not find every log that has a path): `{"service":"user-service",
 * "http":{"status":502}}` → `user-service 502`.
 */
export function attributeText(json: string | null): string | null {
  if (json === null) return null
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  const words: string[] = []
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return
    if (typeof v === 'object') {
      for (const item of Array.isArray(v) ? v : Object.values(v)) walk(item)
    } else {
      words.push(String(v))
    }
  }
  walk(value)
  return words.length > 0 ? words.join(' ') : null
}
