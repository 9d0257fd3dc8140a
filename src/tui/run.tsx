import { render } from 'ink'
import { App } from './app.js'
import type { ClassifyError } from './fetch-errors.js'
import type { FetchOverview } from './hooks/use-overview.js'

export interface RunTopOptions {
  fetchOverview: FetchOverview
  /** Says what a failed refresh means (see fetch-errors.ts). */
  classifyError: ClassifyError
  url: string
  intervalMs: number
  project?: string | undefined
  /** The zone times are shown in (`UTC` for `--utc`); undefined: this machine's (`TZ`). */
  timeZone?: string | undefined
  stdout?: NodeJS.WriteStream
  stdin?: NodeJS.ReadStream
}

// The terminal's alternate screen (what htop and less use): the shell's screen comes back
// untouched on exit.
const ENTER_ALT_SCREEN = '\u001B[?1049h\u001B[H'
const LEAVE_ALT_SCREEN = '\u001B[?1049l'

/**
 * Runs the full-screen TUI until the user quits (q, Ctrl-C) or a SIGTERM/SIGHUP arrives, then
 * restores the terminal: raw mode off, cursor shown (Ink), the alternate screen left (here).
 * Only for a TTY on both stdin and stdout: the caller prints a snapshot otherwise.
 */
export async function runTop(opts: RunTopOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout
  const stdin = opts.stdin ?? process.stdin
  stdout.write(ENTER_ALT_SCREEN)
  let restored = false
  const restore = () => {
    if (restored) return
    restored = true
    stdout.write(LEAVE_ALT_SCREEN)
  }
  // A crash must not leave the terminal in the alternate screen.
  process.once('exit', restore)
  const instance = render(
    <App fetchOverview={opts.fetchOverview} classifyError={opts.classifyError} url={opts.url} intervalMs={opts.intervalMs} project={opts.project} timeZone={opts.timeZone} />,
    { stdout, stdin, exitOnCtrlC: false, patchConsole: true },
  )
  const stop = () => instance.unmount()
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT']
  for (const s of signals) process.on(s, stop)
  try {
    await instance.waitUntilExit()
  } finally {
    for (const s of signals) process.off(s, stop)
    restore()
    process.off('exit', restore)
  }
}
