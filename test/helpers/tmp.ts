import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'
import '../global-setup.js'

/** A fresh directory inside the run's temp dir (see global-setup.ts), named `<prefix>XXXXXX`. */
export function testTempDir(prefix: string): string {
  return mkdtempSync(join(inject('tmpRoot'), prefix))
}
