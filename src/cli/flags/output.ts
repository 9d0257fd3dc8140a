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
