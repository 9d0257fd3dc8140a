import { readFileSync } from 'node:fs'

let cached: string | undefined

/**
 * Ledger's version from its package.json, found by walking up from this module: it runs from
 * src/, dist/ and the CLI bundle (dist/bundle/chunks/), each at a different depth.
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached
  cached = 'unknown'
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'ledger') {
        cached = pkg.version ?? 'unknown'
        break
      }
    } catch {
      // no package.json here: keep walking up
    }
    if (dir.pathname === '/') break
  }
  return cached
}
