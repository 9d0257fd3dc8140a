import { createInterface } from 'node:readline/promises'
import { CliError, EXIT } from './errors.js'

/** Reads all of stdin as a password: one trailing newline (`\n` or `\r\n`) is stripped. */
export async function readPasswordFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer))
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

/** One line typed at the terminal, echoed (for an email address). */
export async function promptLine(question: string): Promise<string> {
  if (!process.stdin.isTTY) needTty('input')
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return (await rl.question(question)).trim()
  } finally {
    rl.close()
  }
}

/**
 * A secret typed at the terminal with echo off: raw mode, characters collected by hand,
 * Backspace edits, Ctrl-C exits 130, Enter ends. Nothing of it is ever written back.
 */
export function promptSecret(question: string): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY) needTty('a password')
  process.stderr.write(question)
  return new Promise((resolve) => {
    let value = ''
    stdin.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = () => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.removeListener('data', onData)
      process.stderr.write('\n')
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done()
          resolve(value)
          return
        }
        if (ch === '\u0003') {
          done()
          process.exit(EXIT.interrupted)
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
