import { Flags } from '@oclif/core'
import { displayZone } from '../../shared/time.js'
import type { Env } from '../runtime/context.js'

/**
 * `--utc`: the one flag of every command whose human output shows a time (`--json` is always
 * ISO 8601 UTC). Without it, times are this machine's local time, as `TZ` sets it.
 */
export const utcFlag = {
  utc: Flags.boolean({
    description: "Show times in UTC instead of this machine's time zone (which TZ sets); --json is always UTC.",
    helpGroup: 'OUTPUT',
  }),
}

/** The zone a command shows times in: `UTC` with `--utc`, else `TZ`'s, else this machine's (undefined). */
export function timeZoneOf(flags: { utc?: boolean }, env: Env): string | undefined {
  return displayZone(Boolean(flags.utc), env['TZ'])
}

/**
 * `--no-pager`: the flag of every command whose human output may run long. On a terminal,
 * output longer than a screen goes through a pager (LEDGER_PAGER, PAGER, else `less -FRX`);
 * never with --json, nor when stdout is not a terminal.
 */
export const pagerFlag = {
  'no-pager': Flags.boolean({
    description: 'Print long output straight to the terminal instead of through a pager (LEDGER_PAGER, PAGER, else less -FRX).',
    helpGroup: 'OUTPUT',
  }),
}
