import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import type { IngestSummary } from '../../src/cli/ingest/report.js'
import type { LedgerClient } from '../../src/client/index.js'
import type { Log } from '../../src/contract/ingest.js'
import { type CliOptions, type CliResult, startCli } from './cli.js'
import { accountWithKey } from './daemon.js'
import { type InProcessRun, startLedger } from './in-process.js'

// What the `ledger ingest` tests share (test/commands/ingest*.test.ts).

export const FAST_HASHES = { LEDGER_SCRYPT_LOG_N: '12' }

/**
 * A project (daily quota raised) with a key for the CLI (`opts()`: the CLI's options, with
 * `LEDGER_API_KEY` set) and a second one for the test's reads (`reader`).
 */
export async function ingestProject(anon: LedgerClient, cli: { home: string; url: string; timeoutMs: number }, slug: string) {
  const a = await accountWithKey(anon, slug)
  await a.account.client.updateProject(slug, { daily_quota: 10_000_000 })
  const reader = anon.withCredential((await a.account.client.createApiKey(a.project.project_id, { name: 'reader' })).full_key)
  const opts = (extra: Partial<CliOptions> = {}): CliOptions => ({
    home: cli.home,
    url: cli.url,
    env: { LEDGER_API_KEY: a.key.full_key },
    timeoutMs: cli.timeoutMs,
    ...extra,
  })
  return { ...a, reader, opts }
}

const running = new Set<InProcessRun>()
const processes = new Set<ChildProcessWithoutNullStreams>()

/**
 * Ends the ingest runs and CLI processes the last test started: none outlives its test, even a
 * failed one. Each test file calls it in its own afterEach (a hook made here would be made
 * once only, where files share their modules).
 */
export function stopIngestRuns(): void {
  for (const run of running) {
    if (run.done()) continue
    // Twice: the first stops reading, the second stops sending.
    run.signal('SIGINT')
    run.signal('SIGINT')
    run.end()
  }
  running.clear()
  for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  processes.clear()
}

/** `ledger ingest …` in this process, with stdin left open: the test writes, ends, signals. */
export function startIngest(opts: CliOptions, ...args: string[]) {
  const run = startLedger({ timeoutMs: 60_000, ...opts }, 'ingest', ...args)
  running.add(run)
  return run
}

/** The real binary, `ledger ingest …`, with stdin left open: for signals from outside. */
export function startBinaryIngest(opts: CliOptions, ...args: string[]) {
  const cli = startCli({ timeoutMs: 60_000, ...opts }, 'ingest', ...args)
  processes.add(cli.child)
  return cli
}

export const summaryOf = (r: CliResult): IngestSummary => {
  const text = r.stdout.trim()
  return JSON.parse(text.slice(text.lastIndexOf('\n{') + 1)) as IngestSummary
}

/** Every log of the project, through the API (queued ones included). */
export async function allLogs(client: LedgerClient): Promise<Log[]> {
  const logs: Log[] = []
  let cursor: string | undefined
  do {
    const page = await client.logs({ limit: 1000, cursor })
    logs.push(...page.logs)
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  return logs
}

/** The `seq` attribute of each stored log, sorted. */
export const seqs = (logs: Log[]) => logs.map((l) => Number((l.attributes as { seq?: number } | null)?.seq)).sort((a, b) => a - b)
export const range = (n: number) => Array.from({ length: n }, (_, i) => i)
