import type { FailurePolicy, ShipperEvent } from './shipper.js'

/** Rejected lines printed one by one before the rest are only counted. */
export const MAX_REJECTION_NOTICES = 100

/**
 * Turns the shipper's events into messages for stderr: each rejected line with its input and
 * line number (the first 100), a note when delivery starts failing and when it works again,
 * and each batch dropped under `--on-failure drop`.
 */
export class Notices {
  private rejections = 0

  constructor(
    private readonly print: (message: string) => void,
    private readonly where: (ordinal: number) => string,
    private readonly url: string,
    private readonly policy: FailurePolicy,
  ) {}

  handle(event: ShipperEvent): void {
    switch (event.kind) {
      case 'rejected':
        this.rejections++
        if (this.rejections <= MAX_REJECTION_NOTICES) this.print(`${this.where(event.line)}: rejected: ${event.detail}`)
        else if (this.rejections === MAX_REJECTION_NOTICES + 1)
          this.print('more rejected lines: only counted from here on (see the summary)')
        return
      case 'retrying':
        this.print(`${retryReason(event, this.url)}; retrying (lines are kept until it answers)`)
        return
      case 'busy':
        this.print(`${busyReason(event)}; waiting ${seconds(event.delayMs)} as the daemon asks, however long it takes (no line is dropped)`)
        return
      case 'recovered':
        this.print(`delivering again after ${(event.failedForMs / 1000).toFixed(1)} s (${event.retries} retries)`)
        return
      case 'undelivered':
        // Other policies report what was not delivered once, in the final message.
        if (this.policy === 'drop' && !/^(not sent|shipping stopped)$/.test(event.reason)) {
          const range = `${this.where(event.firstLine)} to ${this.where(event.lastLine)}`
          this.print(`dropped ${event.lines} lines (${range}): ${event.reason}`)
        }
        return
    }
  }
}

function retryReason(event: Extract<ShipperEvent, { kind: 'retrying' }>, url: string): string {
  if (event.status === null) return `cannot reach the Ledger daemon at ${url} (${shortCause(event.reason)})`
  return `the daemon answered ${event.reason}`
}

function busyReason(event: Extract<ShipperEvent, { kind: 'busy' }>): string {
  if (event.status === 429) return `rate limited (${event.reason})`
  return `the daemon is busy (${event.reason})`
}

/** `2.3 s`, `4 min 10 s`, `5 h 3 min`. */
function seconds(ms: number): string {
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
}

/** `cannot reach the Ledger daemon at URL: connect ECONNREFUSED …` → `connect ECONNREFUSED …`. */
function shortCause(message: string): string {
  const i = message.indexOf(': ')
  return i >= 0 && message.startsWith('cannot reach') ? message.slice(i + 2) : message
}

/** What to check when the daemon refuses the key, by where the key came from. */
export function keyHint(source: string, project: string | undefined): string {
  if (source === 'env') return 'Check LEDGER_API_KEY (it is used before any stored key).'
  if (source === 'flag') return 'Check --api-key.'
  const p = project ?? 'SLUG'
  return `The key stored for '${p}' no longer works: create one with \`ledger keys create --project ${p} --name NAME\`.`
}
