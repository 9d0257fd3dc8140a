import { setTimeout as sleep } from 'node:timers/promises'
import { Flags } from '@oclif/core'
import { ApiCommand } from '../cli/base-command.js'
import { logFilterFlags, logQuery, queryArg } from '../cli/log-filters.js'
import { backoffDelay, parseRetryAfter } from '../cli/backoff.js'
import { formatLog } from '../cli/log-format.js'
import { EXIT } from '../cli/errors.js'
import { LedgerApiError, LedgerConnectionError } from '../client/index.js'
import type { Log } from '../contract/ingest.js'

export default class Tail extends ApiCommand {
  static override summary = "Show a project's latest logs, oldest first; with -f, follow new ones as they arrive."
  static override description =
    'With -f, logs stream live from the daemon (server-sent events) as soon as they are processed. When the connection ' +
    'drops (the daemon restarts, or this reader fell behind), it reconnects by itself and resumes right after the last ' +
    'log shown, with no gap and no repeat. When the daemon ends it because the credential stopped being valid (a ' +
    'revoked, disabled or expired key, a logout), it says why and exits 4. Ctrl-C stops it. With --json, one log per ' +
    'line (NDJSON).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --project my-app',
    '<%= config.bin %> <%= command.id %> -f --project my-app --level error,critical',
    '<%= config.bin %> <%= command.id %> -f "payment*" --project my-app --json | jq -r .message',
  ]
  static override args = queryArg
  static override flags = {
    ...logFilterFlags,
    follow: Flags.boolean({ char: 'f', description: 'Keep following new logs until Ctrl-C.' }),
    lines: Flags.integer({ char: 'n', description: 'How many recent logs to show first.', default: 10, min: 0, max: 1000 }),
    stacks: Flags.boolean({ description: 'Show stack traces under their logs.' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Tail)
    const filters = logQuery(args.query, flags)
    const { client, query } = await this.session.readAccess({ project: flags.project, apiKey: flags['api-key'] })
    const print = (log: Log) =>
      process.stdout.write(`${this.jsonEnabled() ? JSON.stringify(log) : formatLog(log, { stacks: flags.stacks })}\n`)
    if (!flags.follow) {
      if (flags.lines === 0) return
      const page = await client.logs({ ...query, ...filters, limit: flags.lines })
      for (const log of page.logs.reverse()) print(log)
      return
    }
    let lastEventId: number | undefined
    let lost = false
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | null = null
      let why = `Connection to ${this.daemonUrl()} lost`
      try {
        const tail = await client.tail({ ...query, ...filters, backlog: flags.lines }, { lastEventId })
        if (lost) process.stderr.write('Reconnected.\n')
        lost = false
        attempt = 0
        for await (const { log } of tail) {
          print(log)
          lastEventId = tail.lastEventId
        }
        const ended = tail.ended
        // An access token that expired is refreshed on reconnecting (a stored login); any other
        // credential the daemon stopped honouring would only be refused again.
        if (ended?.reason === 'token_expired' && client.canRefresh) continue
        if (ended && ended.reason !== 'shutdown') {
          // On stderr also with --json: stdout carries only logs, one per line.
          const hint = ended.reason.startsWith('key_') ? 'Use another API key (--api-key, LEDGER_API_KEY).' : 'Log in again with `ledger login`.'
          process.stderr.write(`Error: the daemon ended the live tail: ${ended.detail} (${ended.reason})\n${hint}\n`)
          this.exit(EXIT.auth)
        }
        if (ended) why = 'The daemon is shutting down'
      } catch (err) {
        // A refused request (bad filter, credential) will not get better by retrying.
        if (err instanceof LedgerApiError && err.status !== 429 && err.status < 500) throw err
        if (!(err instanceof LedgerConnectionError || err instanceof LedgerApiError)) throw err
        // A 429 says when to come back; retrying sooner would only be refused again.
        if (err instanceof LedgerApiError) {
          retryAfterMs = parseRetryAfter(err.headers['retry-after'])
          why = err.detail
        }
      }
      if (!lost) process.stderr.write(`${why}; reconnecting…\n`)
      lost = true
      // Jittered, so that the tails of a daemon that restarts do not all come back at once.
      await sleep(backoffDelay(attempt, retryAfterMs, { baseMs: 500, capMs: 5000 }))
    }
  }
}
