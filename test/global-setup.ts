import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's own temp dir: every test's LEDGER_HOME and scratch dir is made inside it. */
    tmpRoot: string
  }
}

/**
 * One temp dir for the whole run, removed when it ends: a test that fails (or times out)
 * before its own clean-up leaves nothing behind in the machine's temp dir.
 */
export function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), 'ledger-tests-'))
  project.provide('tmpRoot', root)
  return () => rmSync(root, { recursive: true, force: true })
}
