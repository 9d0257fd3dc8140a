import { randomUUID } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'

export const ACCESS_TOKEN_TTL_SECONDS = 3600
const ISSUER = 'ledger'
const AUDIENCE = 'ledger-api'
const TYP = 'at+jwt'

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
