import { readFileSync } from 'node:fs'

let cached: string | undefined

/** Ledger's version from package.json (read on first call; src/ and dist/ sit at the same depth). */
export function packageVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version?: string
      }
      cached = pkg.version ?? 'unknown'
    } catch {
      cached = 'unknown'
    }
  }
  return cached
}
