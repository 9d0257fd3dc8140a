import { Flags } from '@oclif/core'

/** The server's flags, shared by `daemon run` and `daemon start` (which passes them on). */
export const daemonServerFlags = {
  port: Flags.integer({
    description: 'Port to listen on (0 picks a free one).',
    default: 8000,
    min: 0,
    max: 65535,
  }),
  host: Flags.string({
    description: 'Address to bind. Anything but loopback exposes the API to the network.',
    default: '127.0.0.1',
  }),
  durability: Flags.option({
    description: 'normal: a 202 survives a crash of the daemon; full: also power loss (fsync on every commit).',
    options: ['normal', 'full'] as const,
  })(),
  'queue-capacity': Flags.integer({
    description: 'Queued logs per project before ingestion answers 503.',
    min: 1,
  }),
  'max-tails-per-key': Flags.integer({
    description: 'Live tails one API key may hold open at once (past it: 429). Default 100.',
    min: 1,
  }),
  'max-tails-per-account': Flags.integer({
    description: 'Live tails one account may hold open at once, all its keys and logins together. Default 200.',
    min: 1,
  }),
}
