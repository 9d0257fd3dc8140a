import { hash, randomBytes } from 'node:crypto'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const RANDOM_LEN = 34
const CHECK_LEN = 6
/** Every Ledger credential that starts so is an API key (a JWT never does). */
export const API_KEY_PREFIX = 'ldg_'
const KEY_RE = /^ldg_proj_([1-9][0-9]{0,15})_([0-9A-Za-z]{40})$/

function randomBase62(n: number): string {
  let out = ''
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      // 62·4 = 248: rejecting bytes ≥ 248 keeps every character equally likely.
      if (b < 248 && out.length < n) out += BASE62[b % 62]
    }
  }
  return out
}

function checksum(body: string): string {
  // The first 32 bits of the SHA-256. One-shot hash(): every API-key request computes this and
  // hashApiKey, and createHash's objects cost several times more for such short inputs.
  let n = Number.parseInt(hash('sha256', body, 'hex').slice(0, 8), 16)
  let out = ''
  for (let i = 0; i < CHECK_LEN; i++) {
    out = BASE62[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out
}

/** The stored form of a key: a SHA-256 (keys carry 200 random bits, so a fast hash is enough). */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex')
}

/** A new key `ldg_proj_<project_id>_<34 random base62><6 checksum>`. */
export function generateApiKey(projectId: number): { key: string; prefix: string; hash: string } {
  const head = `ldg_proj_${projectId}_`
  const random = randomBase62(RANDOM_LEN)
  const key = head + random + checksum(head + random)
  return { key, prefix: head + random.slice(0, 6), hash: hashApiKey(key) }
}

/** The project id of a well-formed key whose checksum matches, else null (no lookup needed). */
export function parseApiKey(key: string): { projectId: number } | null {
  const m = KEY_RE.exec(key)
  if (!m) return null
  const body = key.slice(0, -CHECK_LEN)
  if (checksum(body) !== key.slice(-CHECK_LEN)) return null
  return { projectId: Number(m[1]) }
}

/** Whether a bearer credential is meant as an API key (as opposed to an access token). */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX)
}
