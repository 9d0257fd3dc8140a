import { createHmac, randomInt, timingSafeEqual } from 'node:crypto'
import type { TokenResponse } from '../../contract/accounts.js'
import { findAccountByEmail } from '../db/accounts.js'
import {
  countVerificationAttempt,
  deleteVerificationCode,
  findVerificationCode,
  putVerificationCode,
} from '../db/verification-codes.js'
import { ApiError } from '../errors.js'
import type { AccountService } from './accounts.js'
import type { ServiceContext } from './context.js'
import { sendMail } from './smtp.js'
import { ACCESS_TOKEN_TTL_SECONDS } from './tokens.js'

const CODE_TTL_MS = 10 * 60_000
const MAX_ATTEMPTS = 5
const INVALID_CODE = 'Invalid or expired code'

/** Where codes go. With no SMTP configured: the daemon's own log, for a local user to read. */
export interface CodeDelivery {
  send(email: string, code: string, expiresInMinutes: number): void
}

/** Delivery by SMTP (`LEDGER_SMTP_URL`); a failure is logged, never shown to the caller. */
export function smtpDelivery(
  url: string,
  from: string,
  log: { error: (obj: unknown, msg: string) => void },
): CodeDelivery {
  return {
    send(email, code, minutes) {
      const text = `Your Ledger verification code is ${code}.\n\nIt is valid for ${minutes} minutes and can be used once.\n`
      sendMail(url, { from, to: email, subject: `Ledger code: ${code}`, text }).catch((err) =>
        log.error({ err: { message: (err as Error).message }, email }, 'could not send a verification code by SMTP'),
      )
    },
  }
}

export function logDelivery(log: { warn: (obj: unknown, msg: string) => void }): CodeDelivery {
  return {
    send(email, code, minutes) {
      log.warn({ email }, `verification code for ${email}: ${code} (valid ${minutes} minutes, single use)`)
    },
  }
}

/**
 * Email one-time codes (seed 004): 6 digits, 10 minutes, single use, 5 attempts. Codes log in
 * existing accounts only; for an unknown email, send-code still answers the same and issues
 * nothing. Stored as an HMAC under the daemon's secret, so the database alone does not reveal
 * them.
 */
export class VerificationService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly secret: Uint8Array,
    private readonly accounts: AccountService,
    private readonly delivery: CodeDelivery,
  ) {}

  sendCode(email: string): void {
    if (!findAccountByEmail(this.ctx.db, email)) return
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    const now = this.ctx.now()
    putVerificationCode(this.ctx.db, email, this.hmac(email, code), now, now + CODE_TTL_MS)
    this.delivery.send(email, code, CODE_TTL_MS / 60_000)
  }

  async verifyCode(email: string, code: string): Promise<TokenResponse> {
    const row = findVerificationCode(this.ctx.db, email)
    const now = this.ctx.now()
    if (!row || row.expires_at <= now || row.attempts >= MAX_ATTEMPTS) throw new ApiError(401, INVALID_CODE)
    const expected = Buffer.from(row.code_hmac, 'hex')
    const actual = Buffer.from(this.hmac(email, code), 'hex')
    if (!timingSafeEqual(expected, actual)) {
      countVerificationAttempt(this.ctx.db, email)
      if (row.attempts + 1 >= MAX_ATTEMPTS) deleteVerificationCode(this.ctx.db, email)
      throw new ApiError(401, INVALID_CODE)
    }
    deleteVerificationCode(this.ctx.db, email)
    const account = findAccountByEmail(this.ctx.db, email)
    if (!account) throw new ApiError(401, INVALID_CODE)
    const session = await this.accounts.startSession(account.id)
    return {
      ...session,
      token_type: 'bearer',
      account_id: account.id,
      email: account.email,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
    }
  }

  private hmac(email: string, code: string): string {
    return createHmac('sha256', this.secret).update(`${email}\u0000${code}`).digest('hex')
  }
}
