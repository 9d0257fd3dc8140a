import { readlinkSync, writeFileSync } from 'node:fs'
import { setPriority } from 'node:os'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * Starts a worker thread from a module next to `base` (pass `import.meta.url`): the built
 * `.js` in production, the `.ts` source in tests. For `.ts`, a bootstrap registers tsx first,
 * since a worker's own entry file is loaded before `--import` hooks apply.
 */
export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  const isTs = base.endsWith('.ts')
  const file = new URL(`./${name}.${isTs ? 'ts' : 'js'}`, base)
  if (!isTs) return new Worker(file, options)
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(file.href)}) })`
  return new Worker(boot, { ...options, eval: true })
}

/**
 * Stops a worker thread: posts `message` (its own clean close), waits up to `graceMs` for it to
 * exit, then terminates it whatever it is doing.
 */
export async function stopWorker(worker: Worker, message: unknown, graceMs: number): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  worker.postMessage(message)
  await waitAtMost(exited, graceMs)
  await worker.terminate()
}

/** Resolves when `promise` does, or after `ms`, whichever is first (the timer is then cleared). */
export function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Lowers the calling thread's priority to `nice` (Linux, where a thread has a nice value of its
 * own), so that background work yields a core to the request path on a machine with few cores.
 * Elsewhere, or when not allowed, the thread keeps the daemon's priority.
 */
export function lowerThreadPriority(nice: number): void {
  try {
    // /proc/thread-self -> "<pid>/task/<tid>": setpriority() on a thread id affects that thread.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice)
  } catch {
    // not Linux, or not allowed: keep the default priority
  }
}

/**
 * Names the calling thread (Linux: its `comm`, at most 15 bytes), so that `top -H`, `ps -L` and
 * the bench's per-thread figures say which of the daemon's threads is which. Elsewhere, nothing.
 */
export function nameThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15))
  } catch {
    // not Linux: threads keep the process's name
  }
}
