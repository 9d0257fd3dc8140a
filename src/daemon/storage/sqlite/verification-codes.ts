import type { Database } from 'better-sqlite3'
import { prepared } from './statements.js'
import type { VerificationCodeRecord } from '../types.js'

export type VerificationCodeRow = VerificationCodeRecord


/** Stores a new code for an email, replacing any earlier one. */
export function putVerificationCode(db: Database, email: string, hmac: string, now: number, expiresAt: number): void {
  prepared(db, 'INSERT OR REPLACE INTO verification_codes (email, code_hmac, created_at, expires_at) VALUES (?, ?, ?, ?)').run(
    email,
    hmac,
    now,
    expiresAt,
  )
}

export function findVerificationCode(db: Database, email: string): VerificationCodeRow | undefined {
  return prepared<[string], VerificationCodeRow>(db, 'SELECT * FROM verification_codes WHERE email = ?').get(email)
}

export function countVerificationAttempt(db: Database, email: string): void {
  prepared(db, 'UPDATE verification_codes SET attempts = attempts + 1 WHERE email = ?').run(email)
}

export function deleteVerificationCode(db: Database, email: string): void {
  prepared(db, 'DELETE FROM verification_codes WHERE email = ?').run(email)
}

export function purgeExpiredVerificationCodes(db: Database, now: number): number {
  return prepared(db, 'DELETE FROM verification_codes WHERE expires_at < ?').run(now).changes
}

/** Records one wrong guess for an email (whether or not it had a live code). */
export function insertVerificationFailure(db: Database, email: string, at: number): void {
  prepared(db, 'INSERT INTO verification_failures (email, at) VALUES (?, ?)').run(email, at)
}

/** Times of an email's wrong guesses after `since`, oldest first. */
export function verificationFailuresSince(db: Database, email: string, since: number): number[] {
  return prepared<[string, number], { at: number }>(
    db,
    'SELECT at FROM verification_failures WHERE email = ? AND at > ? ORDER BY at',
  )
    .all(email, since)
    .map((r) => r.at)
}

export function purgeVerificationFailuresBefore(db: Database, before: number): number {
  return prepared(db, 'DELETE FROM verification_failures WHERE at <= ?').run(before).changes
}
