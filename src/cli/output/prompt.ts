import { createInterface } from 'node:readline/promises'
import type { IoStreams } from '../runtime/context.js'
import { CliError, EXIT, Interrupted } from '../runtime/errors.js'

/** Reads all of stdin as a password: one trailing newline (`\n` or `\r\n`) is stripped. */
export async function readPasswordFromStdin(io: IoStreams): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer))
  const text = Buffer.concat(chunks).toString('utf8')
  const password = text.replace(/\r?\n$/, '')
  if (password.length === 0) throw new CliError('--password-stdin: stdin was empty', undefined, EXIT.usage)
  return password
}

function needTty(what: string): never {
  throw new CliError(
    `cannot prompt for ${what}: stdin is not a terminal`,
    what === 'a password' ? 'Pipe it in with --password-stdin.' : `Pass it as a flag.`,
    EXIT.usage,
  )
}

/** One line typed at the terminal, echoed (for an email address); the question on stderr. */
export async function promptLine(io: IoStreams, question: string): Promise<string> {
  if (!io.stdinIsTTY) needTty('input')
  const rl = createInterface({ input: io.stdin, output: io.stderr })
  try {
    return (await rl.question(question)).trim()
  } finally {
    rl.close()
  }
}

/**
 * A secret typed at the terminal with echo off: raw mode, characters collected by hand,
 * Backspace edits, Ctrl-C ends the command (exit 130), Enter ends the secret. Nothing of it
 * is ever written back.
 */
export function promptSecret(io: IoStreams, question: string): Promise<string> {
  const { stdin, stderr } = io
  if (!io.stdinIsTTY) needTty('a password')
  stderr.write(question)
  return new Promise((resolve, reject) => {
    let value = ''
    io.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (newline = true) => {
      io.setRawMode(false)
      stdin.pause()
      stdin.removeListener('data', onData)
      if (newline) stderr.write('\n')
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done()
          resolve(value)
          return
        }
        if (ch === '\u0003') {
          // The newline comes with the end of the command.
          done(false)
          reject(new Interrupted())
          return
        }
        if (ch === '\u0004' && value.length === 0) {
          done()
          resolve('')
          return
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else if (ch >= ' ') value += ch
      }
    }
    stdin.on('data', onData)
  })
}

/**
 * Asks before something that cannot be undone, as `gh` does: `yes` (`--yes`) skips the
 * question; without it, a terminal is asked `question [y/N]`, and anything but y/yes cancels
 * (exit 1). Without a terminal to ask, `--yes` is required (exit 2).
 */
export async function confirm(io: IoStreams, question: string, yes: boolean): Promise<void> {
  if (yes) return
  if (!io.stdinIsTTY) {
    throw new CliError('this cannot be undone: pass --yes to confirm (stdin is not a terminal to ask)', undefined, EXIT.usage)
  }
  const answer = await promptLine(io, `${question} [y/N] `)
  if (!/^y(es)?$/i.test(answer)) throw new CliError('cancelled; nothing was changed')
}
