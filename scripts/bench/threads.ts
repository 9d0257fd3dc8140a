// CPU time and disk writes of a process's threads, for `npm run bench`: read from /proc (Linux only).
import { readdirSync, readFileSync } from 'node:fs'

/** Milliseconds per clock tick (USER_HZ is 100 on Linux). */
const TICK_MS = 10

/** CPU time (ms) of each thread of a process, by thread id. */
export type ThreadCpu = Record<string, number>

/** CPU per request of a process's threads (ms): see `cpuPerRequest`. */
export interface CpuPerRequest {
  main: number
  busiest: number
  rest: number
}

/** A figure of each thread of `pid` (read from /proc/<pid>/task/<tid>/), by thread id; null where /proc is not there. */
function perThread(pid: number, read: (taskDir: string) => number): ThreadCpu | null {
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return null
  }
  const out: ThreadCpu = {}
  for (const tid of tids) {
    try {
      out[tid] = read(`/proc/${pid}/task/${tid}`)
    } catch {
      // the thread ended between the two reads
    }
  }
  return out
}

/** CPU time (ms) of each thread of `pid`, by thread id; null where /proc is not there. */
export function threadCpu(pid: number): ThreadCpu | null {
  return perThread(pid, (dir) => {
    const stat = readFileSync(`${dir}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * TICK_MS
  })
}

/**
 * Bytes each thread of `pid` has caused to be written to storage (`io`'s `write_bytes`: counted
 * when the thread dirties the page cache), by thread id; null where /proc is not there.
 */
export function threadWrites(pid: number): ThreadCpu | null {
  return perThread(pid, (dir) => Number(/write_bytes: (\d+)/.exec(readFileSync(`${dir}/io`, 'utf8'))?.[1] ?? 0))
}

/**
 * CPU per request of `pid`'s threads between two `threadCpu` readings: its main thread (the
 * thread whose id is the process's), the busiest other thread, and all the others together.
 */
export function cpuPerRequest(
  pid: number,
  before: ThreadCpu | null,
  after: ThreadCpu | null,
  requests: number,
): CpuPerRequest | null {
  if (!before || !after || requests === 0) return null
  let main = 0
  const others: number[] = []
  for (const [tid, ms] of Object.entries(after)) {
    const used = (ms - (before[tid] ?? 0)) / requests
    if (Number(tid) === pid) main = used
    else others.push(used)
  }
  others.sort((a, b) => b - a)
  return { main, busiest: others[0] ?? 0, rest: others.slice(1).reduce((a, b) => a + b, 0) }
}

/** CPU time (ms, user + system) of one process so far; NaN once it is gone. */
export function processCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * TICK_MS
  } catch {
    return NaN
  }
}

/**
 * CPU time (ms) of a process and its children (a server's workers: PostgreSQL's backends, its
 * WAL writer…), counting only the children alive now.
 */
export function processTreeCpu(root: number): number {
  let total = 0
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // f[1] is the parent's pid; f[11], f[12] utime and stime in ticks.
      if (Number(p) === root || Number(f[1]) === root) total += (Number(f[11]) + Number(f[12])) * TICK_MS
    } catch {
      // gone meanwhile
    }
  }
  return total
}
