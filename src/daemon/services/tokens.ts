import { randomBytes, randomUUID } from 'node:crypto'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { errors, jwtVerify, SignJWT } from 'jose'

export const ACCESS_TOKEN_TTL_SECONDS = 3600
const ISSUER = 'ledger'
const AUDIENCE = 'ledger-api'
const TYP = 'at+jwt'

/** Reads the 256-bit signing secret, creating it (mode 0600) at first start. */
export function loadOrCreateSecret(file: string): Uint8Array {
  try {
    const s = readFileSync(file)
    if (s.length >= 32) return new Uint8Array(s)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const secret = randomBytes(32)
  try {
    // 'wx': if another process created it first, use theirs, or tokens would not verify.
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecret(file)
    throw err
  }
  chmodSync(file, 0o600)
  return new Uint8Array(secret)
}

export interface AccessClaims {
  accountId: number
  jti: string
  /** Expiry, epoch seconds. */
  exp: number
  /** The session (refresh-token family) this token belongs to. */
  familyId: string
}

/** Issues and verifies HS256 access tokens; the algorithm, issuer, audience and typ are pinned. */
export class AccessTokens {
  constructor(
    private readonly secret: Uint8Array,
    private readonly now: () => number,
  ) {}

  async issue(accountId: number, familyId: string): Promise<{ token: string; claims: AccessClaims }> {
    const iat = Math.floor(this.now() / 1000)
    const claims = { accountId, jti: randomUUID(), exp: iat + ACCESS_TOKEN_TTL_SECONDS, familyId }
    const token = await new SignJWT({ fid: familyId })
      .setProtectedHeader({ alg: 'HS256', typ: TYP })
      .setSubject(String(accountId))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti(claims.jti)
      .setIssuedAt(iat)
      .setExpirationTime(claims.exp)
      .sign(this.secret)
    return { token, claims }
  }

  /** The claims of a valid token, or null for anything else (bad signature, expired, wrong alg…). */
  async verify(token: string): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: TYP,
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'jti', 'exp'],
      })
      const accountId = Number(payload.sub)
      const fid = payload['fid']
      if (
        !Number.isSafeInteger(accountId) ||
        typeof payload.jti !== 'string' ||
        typeof payload.exp !== 'number' ||
        typeof fid !== 'string'
      ) {
        return null
      }
      return { accountId, jti: payload.jti, exp: payload.exp, familyId: fid }
    } catch (err) {
      if (err instanceof errors.JOSEError) return null
      throw err
    }
  }
}
