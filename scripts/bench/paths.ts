// Where the bench finds the repository: it runs compiled, from dist-bench/scripts/bench/
// (tsconfig.bench.json), and spawns the built CLI and daemon (bin/run.js, which loads dist/).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The nearest folder above `from` holding a package.json: the repository's root. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}

/** The repository's root. */
export const ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)))

/** The CLI, as a user runs it (it loads the build in dist/). */
export const BIN = join(ROOT, 'bin', 'run.js')

/** A script of the bench run in a process of its own (`load`, `tail-clients`): the module beside this one. */
export function benchScript(name: 'load' | 'tail-clients'): string {
  return fileURLToPath(new URL(`./${name}.js`, import.meta.url))
}
