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
