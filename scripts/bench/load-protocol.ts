// What the bench's load generator (load.ts, a process of its own) is asked and answers: its
// options go in as JSON in argv[2], its result comes out as JSON on stdout.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { benchScript } from './paths.js'
import type { ThreadCpu } from './threads.js'

const run = promisify(execFile)

interface LoadBase {
  /** The daemon's URL. */
  url: string
  /** Connections, each one request at a time. */
  concurrency: number
  /** API keys, one per connection in turn. */
  keys: readonly string[]
}

/** `batch`: JSON batches to ingest/batch; `otlp`: the same logs as OTLP protobuf to /v1/logs. */
export interface BatchLoad extends LoadBase {
  mode: 'batch' | 'otlp'
  /** Timed requests (a warm-up of 20 more comes first). */
  requests: number
  batchSize: number
  /** The daemon's pid: its threads' CPU is then read before and after the timed part. */
  daemonPid?: number
}

/** ingest/single flat out: `requests` logs, one a request. */
export interface SingleLoad extends LoadBase {
  mode: 'single'
  requests: number
}

/** ingest/single at a fixed rate (open loop) for `seconds`. */
export interface SingleRateLoad extends LoadBase {
  mode: 'single-rate'
  rate: number
  seconds: number
}

/** (s): batches for `seconds`, 503s and 429s waited out as their Retry-After says. */
export interface SustainedLoad extends LoadBase {
  mode: 'sustained'
  seconds: number
  batchSize: number
  /** The sequence number of the first log (logs stay distinct from window to window). */
  offset?: number
  /** The longest wait after a refusal, ms (Infinity, which JSON sends as null: no bound). */
  maxWaitMs?: number | null
}

export type LoadOptions = BatchLoad | SingleLoad | SingleRateLoad | SustainedLoad

export interface BatchResult {
  /** Logs sent in the timed part. */
  logs: number
  warmupLogs: number
  seconds: number
  /** The generator's own CPU per request (it shares the machine's cores with the daemon). */
  generatorCpuMsPerRequest: number
  daemonCpuBefore: ThreadCpu | null
  daemonCpuAfter: ThreadCpu | null
}

export interface SingleResult {
  requests: number
  seconds: number
  p50: number
  p99: number
}

export interface SingleRateResult {
  requests: number
  rate: number
  p50: number
  p99: number
  max: number
  /** How late the generator itself sent (after the due time), ms. */
  lagP99: number
  lagMax: number
}

export interface SustainedResult {
  accepted: number
  refused: number
  waitedMs: number
  seconds: number
  generatorCpuMs: number
  /** The `offset` to go on from. */
  nextOffset: number
}

/** The result of each mode. */
export interface LoadResults {
  batch: BatchResult
  otlp: BatchResult
  single: SingleResult
  'single-rate': SingleRateResult
  sustained: SustainedResult
}

/** Runs the load generator with `opts` in a process of its own; resolves with its result. */
export async function runLoad<O extends LoadOptions>(opts: O): Promise<LoadResults[O['mode']]> {
  const { stdout } = await run(process.execPath, [benchScript('load'), JSON.stringify(opts)], {
    maxBuffer: 1 << 24,
  })
  return JSON.parse(stdout) as LoadResults[O['mode']]
}
