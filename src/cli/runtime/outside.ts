/**
 * The parts of Ledger that the CLI bundle (scripts/bundle-cli.js) leaves out load from dist/ as
 * tsc built them: the daemon, which finds its worker threads by file path, and the TUI, whose
 * Ink has a top-level await that CommonJS cannot load. `path` is relative to dist/ (to src/ when
 * run from the sources). This module is dist/cli/runtime/outside.js, two levels below dist/,
 * or part of dist/bundle/cli.cjs (its `import.meta.url` is the bundle's), one level below.
 */
export async function importOutside<T>(path: string): Promise<T> {
  const root = import.meta.url.endsWith('.cjs') ? '../' : '../../'
  return (await importer(new URL(`${root}${path}`, import.meta.url).href)) as T
}

type Importer = (url: string) => Promise<unknown>
let importer: Importer = (url) => import(url)

/**
 * bin/load-bundle.js hands the bundle an `import()` of its own: in Node 20, an `import()` in
 * code that V8 compiled from its code cache has lost its loader ("A dynamic import callback was
 * not specified").
 */
export function useImporter(fn: Importer): void {
  importer = fn
  // oclif's module loader, inside the bundle, imports plugins through it (scripts/bundle-cli.js).
  ;(globalThis as Record<symbol, unknown>)[Symbol.for('ledger.import')] = fn
}
