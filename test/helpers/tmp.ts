import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'

/**
 * A fresh directory inside the run's temp dir, named `<prefix>XXXXXX`. global-setup.ts makes
 * that dir and declares `tmpRoot` (test/ is in tsconfig's program, so its types apply here).
 */
export function testTempDir(prefix: string): string {
  return mkdtempSync(join(inject('tmpRoot'), prefix))
}
