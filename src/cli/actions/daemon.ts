import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs'
import { readLiveState } from '../../shared/daemon-state.js'
import { dataFiles } from '../../shared/paths.js'
import type { CliContext } from '../runtime/context.js'
import { CliError, EXIT } from '../runtime/errors.js'
import { startDetached, stopProcess } from './daemon-process.js'

export interface DaemonStatusResult {
  running: boolean
  pid: number | null
  url: string | null
  started_at: string | null
  uptime_seconds: number | null
  healthy: boolean
  /** The storage engine of the running daemon, and its database (a URL without its password, or the SQLite file). */
  engine: 'sqlite' | 'postgres' | null
  database: string | null
  data_dir: string
  log_file: string
}

/** Whether a daemon runs for the context's data dir, where, since when, and whether it answers. */
export async function daemonStatus(ctx: CliContext): Promise<DaemonStatusResult> {
  const data = ctx.paths.data
  const state = readLiveState(data)
  let healthy = false
  if (state) {
    const client = ctx.newClient({ baseUrl: state.url, timeoutMs: 3000 })
    healthy = await client.health().then(
      () => true,
      () => false,
    )
    await client.close()
  }
  return {
    running: state !== null,
    pid: state?.pid ?? null,
    url: state?.url ?? null,
    started_at: state?.started_at ?? null,
    uptime_seconds: state ? Math.max(0, Math.round((ctx.now() - Date.parse(state.started_at)) / 1000)) : null,
    healthy,
    engine: state?.engine ?? (state ? 'sqlite' : null),
    database: state?.database ?? null,
    data_dir: data,
    log_file: dataFiles(data).log,
  }
}

/** `daemon status`'s exit code: 0 when it runs and answers, else 1. */
export function daemonStatusExitCode(status: DaemonStatusResult): number {
  return status.running && status.healthy ? EXIT.ok : EXIT.error
}

export interface DaemonStartResult {
  started: boolean
  pid: number
  url: string
  log_file: string
}

/**
 * Starts `ledger daemon run` (the binary at `binPath`) detached, with `args`, unless one runs
 * for the data dir already; waits until it listens.
 */
export async function startDaemon(
  ctx: CliContext,
  binPath: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<DaemonStartResult> {
  const data = ctx.paths.data
  const log = dataFiles(data).log
  const running = readLiveState(data)
  if (running) return { started: false, pid: running.pid, url: running.url, log_file: log }
  try {
    const state = await startDetached({ dataDir: data, binPath, args, env: { ...(ctx.env as NodeJS.ProcessEnv), ...env } })
    return { started: true, pid: state.pid, url: state.url, log_file: log }
  } catch (err) {
    throw new CliError(`could not start the daemon: ${(err as Error).message}`, `See the log: ${log}`)
  }
}

export interface DaemonStopResult {
  stopped: boolean
  pid: number | null
  how?: 'stopped' | 'killed'
}

/** SIGTERM, then a wait for a clean close (SIGKILL after 10 s). Not running is not an error. */
export async function stopDaemon(ctx: CliContext): Promise<DaemonStopResult> {
  const state = readLiveState(ctx.paths.data)
  if (!state) return { stopped: false, pid: null }
  return { stopped: true, pid: state.pid, how: await stopProcess(state.pid) }
}

/** daemon.log and the rotated files beside it (see the daemon's log sink), newest first. */
export function daemonLogFiles(file: string): string[] {
  const files = [file]
  for (let i = 1; existsSync(`${file}.${i}`); i++) files.push(`${file}.${i}`)
  return files
}

/** The lines of a log file's text (a last line without its newline counts). */
function splitLines(text: string): string[] {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

/** Lines in a buffer, counted without decoding it. */
function countLines(buf: Buffer): number {
  let n = 0
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++
  return buf.length > 0 && buf[buf.length - 1] !== 10 ? n + 1 : n
}

/**
 * `daemon logs`: the last `lines` lines (Infinity: all) of the background daemon's log, read
 * across its rotation (daemon.log.N … daemon.log.1, then daemon.log, as one log), each through
 * `format`, to `write` (stdout by default); with `follow`, then every new line until `stop`
 * aborts, also across a rotation. Returns how many earlier lines were left out.
 */
export async function daemonLogs(
  ctx: CliContext,
  opts: { lines: number; follow: boolean; stop: AbortSignal; format: (line: string) => string; write?: (text: string) => void },
): Promise<{ omitted: number }> {
  const file = dataFiles(ctx.paths.data).log
  if (!existsSync(file)) throw new CliError(`no daemon log yet at ${file}`, 'It is written by `ledger daemon start`.')
  const stdout = ctx.io.stdout
  const out = { write: opts.write ?? ((text: string) => stdout.write(text)) }
  // Newest file first, until there are enough lines; the older ones are only counted.
  const files = daemonLogFiles(file)
  let tail: string[] = []
  let offset = statSync(file).size
  let i = 0
  for (; i < files.length && tail.length < opts.lines; i++) {
    const buf = readOrEmpty(files[i]!)
    if (i === 0) offset = buf.length
    tail = splitLines(buf.toString('utf8')).concat(tail)
  }
  let omitted = Math.max(0, tail.length - opts.lines)
  for (; i < files.length; i++) omitted += countLines(readOrEmpty(files[i]!))
  for (const line of tail.slice(omitted > 0 ? tail.length - opts.lines : 0)) out.write(`${opts.format(line)}\n`)
  if (!opts.follow || opts.stop.aborted) return { omitted }
  // Whole lines only: a line the daemon is still writing waits for its end.
  let partial = ''
  let printing = Promise.resolve()
  const emit = (path: string, from: number, to?: number) => {
    printing = printing.then(async () => {
      const text = partial + (await readFrom(path, from, to).catch(() => ''))
      const parts = text.split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) out.write(`${opts.format(line)}\n`)
    })
  }
  await new Promise<void>((resolve) => {
    const watcher = watch(file, () => {
      let size: number
      try {
        size = statSync(file).size
      } catch {
        return // moved or removed: nothing to print until it is back
      }
      if (size < offset) {
        // Rotated: what was written after our last read went into daemon.log.1 with the rest.
        emit(`${file}.1`, offset)
        offset = 0
      }
      if (size > offset) {
        // Claimed before the read, and printed in order: two events in a row print each byte once.
        emit(file, offset, size)
        offset = size
      }
    })
    opts.stop.addEventListener(
      'abort',
      () => {
        watcher.close()
        resolve()
      },
      { once: true },
    )
  })
  return { omitted }
}

/** A file's bytes, or none when it went away meanwhile (rotated). */
function readOrEmpty(path: string): Buffer {
  try {
    return readFileSync(path)
  } catch {
    return Buffer.alloc(0)
  }
}

function readFrom(file: string, start: number, end?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    createReadStream(file, { start, ...(end === undefined ? {} : { end: end - 1 }), encoding: 'utf8' })
      .on('data', (c) => {
        out += c
      })
      .on('end', () => resolve(out))
      .on('error', reject)
  })
}
