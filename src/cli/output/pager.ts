import type { ChildProcess } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import type { Writable } from 'node:stream'
import type { Env } from '../runtime/context.js'

/**
 * The pager to use, as a shell command line: `LEDGER_PAGER`, else `PAGER`, else `less -FRX`
 * when less is installed. Null for none: an empty value or `cat` turns paging off.
 */
export function pagerCommand(env: Env): string | null {
  const chosen = env['LEDGER_PAGER'] ?? env['PAGER']
  if (chosen !== undefined) {
    const command = chosen.trim()
    return command === '' || command === 'cat' ? null : command
  }
  return onPath('less', env['PATH']) ? 'less -FRX' : null
}

/** The environment of the pager: less told to quit on one screen, keep colours and the screen (as git does), unless set. */
export function pagerEnv(env: Env): Record<string, string | undefined> {
  return { ...env, LESS: env['LESS'] ?? 'FRX', LV: env['LV'] ?? '-c' }
}

function onPath(name: string, path: string | undefined): boolean {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue
    try {
      accessSync(join(dir, name), constants.X_OK)
      return true
    } catch {
      // not here
    }
  }
  return false
}

/**
 * Long human output through a pager, as `git` and `gh` do: what is written is held until it
 * passes a screen (`rows`, counting wrapped lines at `columns`), then the pager is started
 * with all of it and gets the rest as it comes; output that fits is printed as is when the
 * command ends. The pager's own stdout is the terminal. If the pager quits before the output
 * is over (`q` in less), `onQuit` is called: the command has nothing left to do.
 */
export class Pager {
  private held: string[] = []
  private heldRows = 0
  private child: ChildProcess | null = null
  private exited: Promise<void> | null = null
  private ending = false
  private gone = false

  constructor(
    private readonly opts: {
      stdout: Writable
      rows: number
      columns: number
      start: () => ChildProcess
      onQuit: () => void
    },
  ) {}

  /** Whether the pager is running (the terminal is its, until it exits). */
  get open(): boolean {
    return this.child !== null && !this.gone
  }

  write(text: string): void {
    if (this.child) {
      if (!this.gone) this.child.stdin?.write(text)
      return
    }
    this.held.push(text)
    for (const line of text.split('\n').slice(0, -1)) {
      this.heldRows += Math.max(1, Math.ceil(stripVTControlCharacters(line).length / Math.max(1, this.opts.columns)))
    }
    // A screen less one row, for the shell's prompt after it.
    if (this.heldRows >= this.opts.rows - 1) this.startPager()
  }

  /** Ends the output: what was held is printed, or the pager's input closed and its exit awaited. */
  async end(): Promise<void> {
    this.ending = true
    if (!this.child) {
      if (this.held.length > 0) this.opts.stdout.write(this.held.join(''))
      this.held = []
      return
    }
    this.child.stdin?.end()
    await this.exited
  }

  private startPager(): void {
    const child = this.opts.start()
    this.child = child
    this.exited = new Promise<void>((resolve) => {
      const done = () => {
        if (this.gone) return
        this.gone = true
        resolve()
        if (!this.ending) this.opts.onQuit()
      }
      child.once('close', done)
      child.once('error', done)
    })
    // A pager that quits early closes its input: what we still write is not an error.
    child.stdin?.on('error', () => {})
    child.stdin?.write(this.held.join(''))
    this.held = []
  }
}
