import type { Hook } from '@oclif/core'
import { EXIT } from './errors.js'

/**
 * oclif's `command_not_found` hook: `ledger keys crate` says "`keys crate` is not a ledger
 * command. Did you mean `keys create`?" (the command as the user types it, never oclif's
 * internal `keys:crate`) and exits 2, a usage error, on a terminal or not. (@oclif/plugin-not-found
 * suggests only through an interactive prompt; without a terminal it names no command and
 * exits 127.)
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  const config = opts.config
  const hidden = new Set(config.commands.filter((c) => c.hidden).map((c) => c.id))
  const ids = [...config.commandIDs, ...config.commands.flatMap((c) => c.aliases)].filter((id) => !hidden.has(id))
  const typed = spaced(opts.id)
  const suggestion = closest(opts.id, ids)
  const topic = config.findTopic(opts.id.split(':')[0] ?? '') ? ` ${opts.id.split(':')[0]}` : ''
  const lines = [`Error: \`${typed}\` is not a ${config.bin} command.${suggestion ? ` Did you mean \`${spaced(suggestion)}\`?` : ''}`]
  lines.push(`Run \`${config.bin} help${topic}\` for a list of commands.`)
  process.stderr.write(`${lines.join('\n')}\n`)
  this.exit(EXIT.usage)
}

export default hook

/** `keys:crate` → `keys crate` (the topic separator is a space). */
function spaced(id: string): string {
  return id.split(':').join(' ')
}

/** The id nearest to `id` by edit distance, when near enough to be what was meant. */
export function closest(id: string, ids: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = Infinity
  for (const candidate of ids) {
    const d = distance(id, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(id.length / 3)) ? best : null
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}
