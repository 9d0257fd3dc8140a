import { createHmac, randomInt, timingSafeEqual } from 'node:crypto'
import type { TokenResponse } from '../../contract/accounts.js'
import { rateLimited, unauthorized } from './errors.js'
import { KeyedLock } from './keyed-lock.js'
import type { ServiceContext } from './context.js'
import { sendMail } from './smtp.js'
import { ACCESS_TOKEN_TTL_SECONDS } from './tokens.js'
import {
  memoryWindows,
  retryAfterSeconds,
  type SlidingWindows,
  type WindowLimit,
  type WindowsFactory,
  windowWaitMs,
} from './window-throttle.js'

const CODE_TTL_MS = 10 * 60_000
const HOUR_MS = 3_600_000
/** Wrong guesses one code survives. */
export const MAX_ATTEMPTS_PER_CODE = 5
/**
 * Wrong guesses per email, whatever code they were aimed at (a new code does not reset them):
 * counted in the database, so a restart does not reset them either.
 */
export const GUESS_LIMITS: readonly WindowLimit[] = [
  { max: 10, windowMs: HOUR_MS },
  { max: 30, windowMs: 24 * HOUR_MS },
]
/** Codes sent per email (known or not: the answer must not tell them apart). */
export const SEND_LIMITS_PER_EMAIL: readonly WindowLimit[] = [
  { max: 1, windowMs: 60_000 },
  { max: 5, windowMs: HOUR_MS },
]
/** Codes asked for per client address, whatever the email. */
export const SEND_LIMITS_PER_ADDRESS: readonly WindowLimit[] = [
  { max: 5, windowMs: 60_000 },
  { max: 20, windowMs: HOUR_MS },
]
/**
 * Wrong guesses per client address, whatever the emails (in memory). Each wrong guess is a row
 * in the database for a day: this bounds how fast one client can add them.
 */
export const GUESS_LIMITS_PER_ADDRESS: readonly WindowLimit[] = [{ max: 100, windowMs: HOUR_MS }]
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
 * Email one-time codes: 6 digits, 10 minutes, single use. Codes log in existing
 * accounts only; for an unknown email, send-code answers the same (throttles included) and
 * issues nothing. Stored as an HMAC under the daemon's secret, so the database alone does not
 * reveal them, and compared in constant time.
 *
 * Guessing is bounded per email, not per code: 5 wrong guesses kill a code, and 10 an hour
 * (30 a day) refuse every guess for that email with 429, whatever code is live: at most 30
 * guesses a day over 10^6 codes, a chance of 0.003% a day. Sending, and wrong guesses (100 an
 * hour), are also throttled per client address.
 */
export class VerificationService {
  private readonly sendsPerEmail: SlidingWindows
  private readonly sendsPerAddress: SlidingWindows
  private readonly guessesPerAddress: SlidingWindows
  /** One guess at a time per email: no other guess runs between the count and the record. */
  private readonly guessing = new KeyedLock()

  constructor(
    private readonly ctx: ServiceContext,
    private readonly secret: Uint8Array,
    private readonly delivery: CodeDelivery,
    /** A new session for the account a code logs in (the account service's). */
    private readonly startSession: (accountId: number) => Promise<{ access_token: string; refresh_token: string }>,
    /** Where the throttles count: this process, or a Redis every daemon shares. */
    windows: WindowsFactory = memoryWindows,
  ) {
    this.sendsPerEmail = windows('code-sends-per-email', SEND_LIMITS_PER_EMAIL)
    this.sendsPerAddress = windows('code-sends-per-address', SEND_LIMITS_PER_ADDRESS)
    this.guessesPerAddress = windows('code-guesses-per-address', GUESS_LIMITS_PER_ADDRESS)
  }

  /** Issues a code for an existing account; throttled alike for every email (429). */
  async sendCode(email: string, address: string): Promise<void> {
    const now = this.ctx.now()
    // Taken, then checked (a shared store answers after a round trip: check-then-take would let
    // two daemons both pass): the address's slot, then the email's, the first given back when
    // the second is refused. Refused: the longer of the two waits.
    const addressSlot = await this.sendsPerAddress.take(address, now)
    const emailSlot = addressSlot ? await this.sendsPerEmail.take(email, now) : null
    if (!emailSlot) {
      if (addressSlot) await this.sendsPerAddress.refund(addressSlot)
      const wait = Math.max(await this.sendsPerAddress.waitMs(address, now), await this.sendsPerEmail.waitMs(email, now))
      const s = retryAfterSeconds(wait)
      throw rateLimited(`Too many codes requested; try again in ${s} s`, s)
    }
    if (!(await this.ctx.storage.accounts.findByEmail(email))) return
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    await this.ctx.storage.verification.putCode(email, this.hmac(email, code), now, now + CODE_TTL_MS)
    this.delivery.send(email, code, CODE_TTL_MS / 60_000)
  }

  async verifyCode(email: string, code: string, address: string): Promise<TokenResponse> {
    return this.guessing.run(email, () => this.guess(email, code, address))
  }

  private async guess(email: string, code: string, address: string): Promise<TokenResponse> {
    const now = this.ctx.now()
    const store = this.ctx.storage.verification
    const wait = await this.guessWaitMs(email, now)
    if (wait > 0) {
      const s = retryAfterSeconds(wait)
      throw rateLimited(`Too many wrong codes for this email; try again in ${s} s`, s)
    }
    const addressWait = await this.guessesPerAddress.waitMs(address, now)
    if (addressWait > 0) {
      const s = retryAfterSeconds(addressWait)
      throw rateLimited(`Too many wrong codes from this address; try again in ${s} s`, s)
    }
    const row = await store.findCode(email)
    const live = row !== undefined && row.expires_at > now && row.attempts < MAX_ATTEMPTS_PER_CODE
    // Compared in constant time, also without a live code: the time says nothing either.
    const expected = Buffer.from(live ? row.code_hmac : this.hmac(email, 'no code'), 'hex')
    const actual = Buffer.from(this.hmac(email, code), 'hex')
    const match = timingSafeEqual(expected, actual) && live
    if (!match) {
      await this.guessesPerAddress.take(address, now)
      await store.addFailure(email, now)
      if (live) {
        await store.countAttempt(email)
        if (row.attempts + 1 >= MAX_ATTEMPTS_PER_CODE) await store.deleteCode(email)
      }
      throw unauthorized(INVALID_CODE)
    }
    await store.deleteCode(email)
    const account = await this.ctx.storage.accounts.findByEmail(email)
    if (!account) throw unauthorized(INVALID_CODE)
    const session = await this.startSession(account.id)
    return {
      ...session,
      token_type: 'bearer',
      account_id: account.id,
      email: account.email,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
    }
  }

  /** Milliseconds until the email's guess budget has room again (0: now). */
  private async guessWaitMs(email: string, now: number): Promise<number> {
    const longest = Math.max(...GUESS_LIMITS.map((l) => l.windowMs))
    return windowWaitMs(await this.ctx.storage.verification.failuresSince(email, now - longest), GUESS_LIMITS, now)
  }

  private hmac(email: string, code: string): string {
    return createHmac('sha256', this.secret).update(`${email}\u0000${code}`).digest('hex')
  }
}
