import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's own temp dir: every test's LEDGER_HOME and scratch dir is made inside it. */
    tmpRoot: string
  }
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
/** The last file `npm run build` writes (tsc first, then the bundle). */
const BUILT = join(ROOT, 'dist', 'bundle', 'cli.cjs')

/** The most recently modified file under `dir`, and when. */
function newest(dir: string): { path: string; mtimeMs: number } {
  let found = { path: dir, mtimeMs: 0 }
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const { mtimeMs } = statSync(path)
    if (mtimeMs > found.mtimeMs) found = { path, mtimeMs }
  }
  return found
}

/**
 * Tests of the real binary, and of `daemon run` and `ledger top`'s screen, run what dist/
 * holds: a build older than the sources would test yesterday's code, and fail (or pass) for
 * no reason the sources show. The run stops at once instead, saying so.
 */
function checkBuild(): void {
  let built: number
  try {
    built = statSync(BUILT).mtimeMs
  } catch {
    throw new Error('dist/ has not been built: run `npm run build` first (`npm test` does)')
  }
  const source = newest(join(ROOT, 'src'))
  if (source.mtimeMs > built) {
    throw new Error(
      `dist/ is older than src/ (${relative(ROOT, source.path)} changed after the last build): run \`npm run build\` first (\`npm test\` does)`,
    )
  }
}

/**
 * One temp dir for the whole run, removed when it ends: a test that fails (or times out)
 * before its own clean-up leaves nothing behind in the machine's temp dir. Before anything,
 * the build is checked to be newer than the sources.
 */
export function setup(project: TestProject): () => void {
  checkBuild()
  const root = mkdtempSync(join(tmpdir(), 'ledger-tests-'))
  project.provide('tmpRoot', root)
  return () => rmSync(root, { recursive: true, force: true })
}
