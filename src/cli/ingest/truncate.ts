import { LOG_LIMITS } from '../../contract/ingest.js'

/** Appended to a value cut to fit the API's limits. */
export const TRUNCATION_MARKER = '…[truncated]'

/** Attribute keys that did not fit at all are listed under this key. */
export const DROPPED_ATTRIBUTES_KEY = '_truncated_attributes'

/**
 * `text` cut to at most `max` characters (UTF-16 units, as the API counts), ending with the
 * marker; unchanged when it fits. Never splits a surrogate pair.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text
  let cut = Math.max(0, max - TRUNCATION_MARKER.length)
  const code = text.charCodeAt(cut - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut--
  return text.slice(0, cut) + TRUNCATION_MARKER
}

/** UTF-8 bytes of a string, counted only when the cheap bound says it could matter. */
function bytesOver(json: string, limit: number): boolean {
  return json.length * 3 > limit && Buffer.byteLength(json) > limit
}

/**
 * Serialises attributes within the API's 100 KB (UTF-8 bytes of the JSON) limit. When they are
 * larger, entries are kept in order while they fit; the entry that crosses the limit is kept
 * as a string cut to the room left (with the marker), and the keys of entries that do not fit
 * at all are listed under `_truncated_attributes`. Returns the JSON and whether it was cut.
 */
export function serializeAttributes(
  attributes: Record<string, unknown>,
  limit: number = LOG_LIMITS.attributesBytes,
): { json: string; truncated: boolean } {
  const json = JSON.stringify(attributes)
  if (!bytesOver(json, limit)) return { json, truncated: false }
  // Room for the dropped-keys list; the keys themselves are cut short if they must be.
  const reserve = 1024
  let budget = limit - 2 - reserve
  const parts: string[] = []
  const dropped: string[] = []
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue
    const k = JSON.stringify(key)
    const entry = `${k}:${JSON.stringify(value)}`
    const size = Buffer.byteLength(entry) + 1
    if (size <= budget) {
      parts.push(entry)
      budget -= size
      continue
    }
    const room = budget - Buffer.byteLength(k) - 2 - TRUNCATION_MARKER.length * 3
    if (room >= 64) {
      const cut = cutToBytes(typeof value === 'string' ? value : JSON.stringify(value), room)
      const piece = `${k}:${cut}`
      parts.push(piece)
      budget -= Buffer.byteLength(piece) + 1
    } else {
      dropped.push(key)
    }
  }
  if (dropped.length > 0) {
    const list: string[] = []
    let room = reserve - 64
    for (const key of dropped) {
      const short = truncateText(key, 100)
      room -= Buffer.byteLength(JSON.stringify(short)) + 1
      if (room < 0) break
      list.push(short)
    }
    parts.push(`${JSON.stringify(DROPPED_ATTRIBUTES_KEY)}:${JSON.stringify(list)}`)
  }
  return { json: `{${parts.join(',')}}`, truncated: true }
}

/** `text` as a JSON string literal of at most `maxBytes` UTF-8 bytes, marker included. */
function cutToBytes(text: string, maxBytes: number): string {
  // A JSON-escaped character takes at most 6 bytes (\u001f); start from a safe guess and grow.
  let lo = 0
  let hi = Math.min(text.length, maxBytes)
  let best = JSON.stringify(TRUNCATION_MARKER)
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const candidate = JSON.stringify(truncateText(text, mid + TRUNCATION_MARKER.length))
    if (Buffer.byteLength(candidate) <= maxBytes) {
      best = candidate
      lo = mid + 1
    } else {
      hi = mid - 1
    }
  }
  return best
}
